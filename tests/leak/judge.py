"""The judge: every response (status, data, errors, extensions, cursors) against the oracle, rule by rule.

Rules (a finding names its rule, the caller, the document, the path of the offending value and the value):

``person-visible``       every resolved person in a response is one the caller may see, and reached the way the
                         agreement allows (see ``tests.leak.oracle``); a record under a person is that person's
``field-shared``         no field the agreement does not share for that record type; masked fields only masked
                         (postcode as a district, dob as a year...); no record type it does not share; alert kinds
                         only those the purpose lists
``retention``            no record, date or count derived from records dated before the retention cut-off
``source-flows``         every record, reference, facet, filter result and count comes from a record that flows:
                         its agency a source, its type in the party's ``contributes``, health only with the condition
``existence``            a hidden id and a made-up one give byte-identical responses, apart from the id echoed
``cross-purpose-writes`` acknowledgements and notes written under one purpose appear (or change answers) only under it
``write-scope``          a mutation acts only on records and alerts the caller can see
``access-kind``          person-level data only to ``records`` purposes, the audit trail only to ``audit``
``suppression``          aggregate cells under ``min_cell`` are suppressed
``refusal``              a refused caller gets no personal data, only documented error codes
``no-internal``          no HTTP 500, no INTERNAL code, no stack trace or exception name
``literal``              no personal value (name, date of birth, postcode, address, national identifier) of a person
                         or field the caller may not see, anywhere in the response (leaves, messages, cursors)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.leak.generator import Probe, decode_cursor
from tests.leak.oracle import MASK_FORMAT, View, district, personal_values
from tests.leak.world import Rec, World, day_of

RULES = (
    "person-visible", "field-shared", "retention", "source-flows", "existence", "cross-purpose-writes",
    "write-scope", "access-kind", "suppression", "refusal", "no-internal", "literal",
)  # fmt: skip
CODES = {
    "FORBIDDEN", "BAD_REQUEST", "GRAPHQL_INVALID", "AUDIT_UNAVAILABLE", "QUERY_TOO_LARGE", "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES", "QUERY_TOO_COSTLY", "INTROSPECTION_DISABLED", "PERSISTED_QUERY_NOT_FOUND",
    "TRUSTED_DOCUMENT_REQUIRED",
}  # fmt: skip
STATUSES = {200, 400, 401, 403, 503}
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|neo4j\.|Neo\.ClientError|cedarpy|strawberry\.|graphql\.error|"
    r"\b(?:KeyError|TypeError|ValueError|AttributeError|IndexError|AssertionError|RuntimeError|NameError)\b"
)
HP = re.compile(r"HP-[0-9A-F]{12}")
TYPES = {
    "PersonRecord": "person", "Incident": "incident", "Relationship": "relationship",
    "RiskAssessment": "risk_assessment", "ProtectiveOrder": "order", "Referral": "referral",
    "Disclosure": "disclosure", "SupportNeed": "support_need",
}  # fmt: skip
ROLE_LINK = {"PERPETRATOR": "perpetrators", "CHILD_HARM_CONCERN": "perpetrators", "VICTIM": "victims",
             "CHILD_PRESENT": "children_present"}  # fmt: skip
AUDIT_TYPES = {"AuditEntry", "AuditPage", "SubjectAccessReport"}
PERSON_TYPES = {"Person", "AlertEntry", "Nomination", "NominationList", "SerialPerpetratorEntry", "SerialVictim",
                "Network", "Connection", "TimelineEntry", "EncompassNotification", "PersonConnection",
                "IncidentConnection", "Involvement", "Participant", "PersonLink", "IdentityLink", "Investigation",
                "PerpetratorOutcome", *TYPES}  # fmt: skip
NON_PERSONAL_ROOTS = {
    "hub",
    "agencies",
    "agency",
    "_service",
    "__typename",
    "__schema",
    "__type",
    "explain",
    "purposes",
}
# identity evidence, read as the agreements would: a comparison of two person records tells what the fields it is
# computed from tell (graph/identity/model.py names them), so it may be shown only where those person fields are
# shared as recorded (no mask); "neighbours" (and a rule's partner) tells of a partner or other party
# (each name comparison also tells whether the two names are in the other order, so it rests on both; where they
# live is told by the addresses or the postcodes, whichever both records hold)
COMPARED = {
    "national_id": ("identifiers",), "given_name": ("given_name", "family_name"),
    "family_name": ("given_name", "family_name"), "dob": ("dob",), "postcode": ("postcode", "address"),
    "address": ("postcode", "address"), "gender": ("gender",),
}  # fmt: skip
PARTNER_LINKS = (("incident", "victims"), ("relationship", "other"))
WRITE_ROOTS = {"submitRecords", "openSubmission", "closeSubmission", "submission"}  # a partner's own submissions
SUMMARY_COUNT = re.compile(r"(\d+) earlier incident")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def field_name(key: str) -> str:
    return key.split("__", 1)[1] if re.match(r"^al\d+__", key) else key


@dataclass
class Finding:
    rule: str
    caller: str
    root: str
    path: str
    value: str
    detail: str
    query: str
    variables: str

    def line(self) -> str:
        return (
            f"[{self.rule}] caller={self.caller} root={self.root} path={self.path} value={self.value!r}: "
            f"{self.detail}\n"
            f"    query: {self.query[:400]}\n    variables: {self.variables[:300]}"
        )


def fields(node: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for key, value in node.items():
        out[field_name(key)].append(value)
    return out


def first(node: dict[str, Any], name: str) -> Any:
    for key, value in node.items():
        if field_name(key) == name:
            return value
    return None


class Judge:
    def __init__(self, world: World, views: dict[str, View]) -> None:
        self.world, self.views = world, views
        self.personal = personal_values(world)
        self._forbidden: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
        # (alert id, purpose) -> the note of the first acknowledgement under that purpose: one stands per purpose
        self.acks: dict[tuple[str, str | None], str] = {}
        # investigation id -> (agency, purpose) of the caller that saved it (every demo token has the same subject)
        self.saved: dict[str, tuple[str | None, str | None]] = {}
        self.perpetrated: dict[str, list[Rec]] = defaultdict(list)  # resolved id -> incidents as perpetrator
        for rec in world.current():
            if rec.type == "incident":
                for name, pid in world.linked(rec):
                    if name == "perpetrators" and pid:
                        self.perpetrated[pid].append(rec)

    def forbidden(self, view: View) -> dict[str, list[tuple[str, str, str]]]:
        name = view.caller.name
        if name not in self._forbidden:
            allowed = view.allowed_values()
            self._forbidden[name] = {v: where for v, where in self.personal.items() if v not in allowed}
        return self._forbidden[name]

    # --- entry point ---------------------------------------------------------------------------------------------

    def check(self, probe: Probe, status: int, body: Any) -> list[Finding]:
        view = self.views[probe.caller]
        ctx = Ctx(self, view, probe)
        ctx.status(status, body)
        if isinstance(body, dict):
            for err in body.get("errors") or []:
                ctx.error(err)
            data = body.get("data")
            if isinstance(data, dict):
                ctx.data(data)
            ctx.scan(body, "$")
            ctx.persons()
        return ctx.findings


class Ctx:
    """Judging one response."""

    def __init__(self, judge: Judge, view: View, probe: Probe) -> None:
        self.judge, self.view, self.probe, self.world = judge, view, probe, judge.world
        self.findings: list[Finding] = []
        self.ids: list[tuple[str, str, bool]] = []  # (id, path, under audit types)
        self.anchors: set[str] = set(probe.anchors)
        self.terms = view.terms
        self.listing = False  # a people listing: anyone visible may be listed
        self.sent = set(strings_in(probe.variables))  # values the caller sent itself
        self.named_by: dict[str, str] = {}  # person -> the rule a record that names them breaks

    def add(self, rule: str, path: str, value: Any, detail: str) -> None:
        self.findings.append(
            Finding(rule, self.view.caller.name, self.probe.root, path, str(value)[:200], detail, self.probe.query,
                    json.dumps(self.probe.variables)[:600])
        )  # fmt: skip

    # --- status and errors ---------------------------------------------------------------------------------------

    def status(self, status: int, body: Any) -> None:
        if status not in STATUSES:
            self.add("no-internal", "$status", status, "undocumented HTTP status")
        text = json.dumps(body) if not isinstance(body, str) else body
        hit = INTERNALS.search(text)
        if hit:
            self.add("no-internal", "$", hit.group(0), "internal detail in the response")

    def error(self, err: dict[str, Any]) -> None:
        code = (err.get("extensions") or {}).get("code")
        if code == "INTERNAL":
            self.add("no-internal", "$.errors", code, f"internal error: {err.get('message')}")
        elif code not in CODES and err.get("error") != "invalid_token":
            self.add("no-internal" if not self.view.refused else "refusal", "$.errors", code, "undocumented error code")

    # --- data ----------------------------------------------------------------------------------------------------

    def data(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            name = field_name(key)
            path = f"$.data.{key}"
            if value is None or name in NON_PERSONAL_ROOTS:
                continue
            if self.view.refused and not (name in WRITE_ROOTS and self.view.caller.token):
                if personal_payload(value):
                    self.add(
                        "refusal",
                        path,
                        json.dumps(value)[:200],
                        f"refused caller ({self.view.refused_because}) got data",
                    )
                continue
            self.walk(value, path, person=None, root=True)

    def walk(self, node: Any, path: str, person: str | None, root: bool = False) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                self.walk(item, f"{path}[{i}]", person, root)
            return
        if not isinstance(node, dict):
            return
        typename = node.get("__typename")
        if typename in AUDIT_TYPES and self.view.access != "audit":
            self.add("access-kind", path, typename, "audit trail shown to a purpose that is not audit")
        if typename in PERSON_TYPES and self.view.access != "records":
            self.add("access-kind", path, typename, f"person-level data under a {self.view.access} purpose")
        if typename == "Person":
            pid = first(node, "id")
            if pid and (root or path.endswith(".node")):
                self.anchors.add(pid)
            person = pid or person
        elif typename in TYPES:
            self.record(typename, node, path, person)
        elif typename == "AlertEntry":
            self.alert(node, path)
        elif typename in ("Nomination", "SerialPerpetratorEntry"):
            self.analytic(typename, node, path)
        elif typename == "SerialVictim":
            self.dates(node, path, ("firstIncident", "lastIncident"))
            self.refs(first(node, "records") or [], f"{path}.records")
        elif typename == "Involvement":
            role = first(node, "role")
            if role in ROLE_LINK and not self.shares("incident", ROLE_LINK[role]):
                self.add("field-shared", f"{path}.role", role, f"incident link {ROLE_LINK[role]} not shared")
        elif typename == "Connection":
            for side in ("aRole", "bRole"):
                role = first(node, side)
                if role in ROLE_LINK and not self.shares("incident", ROLE_LINK[role]):
                    self.add("field-shared", f"{path}.{side}", role, f"incident link {ROLE_LINK[role]} not shared")
        elif typename == "TimelineEntry":
            self.dates(node, path, ("at",))
        elif typename == "CountTable":
            self.counts(node, path)
        elif typename == "Dashboard":
            self.dashboard(node, path)
        elif typename in ("PersonConnection", "IncidentConnection"):
            self.connection(typename, node, path)
            if typename == "PersonConnection":
                self.listing = True
        elif typename == "IdentityLink":
            self.identity_link(node, path, person)
        elif typename == "Investigation":
            self.investigation(node, path)
        elif typename == "IdentityDecisionReceipt":
            self.identity(node, path)
        elif typename == "SubmissionReceipt":
            self.submission(node, path)
        if typename in ("AlertEntry", "Nomination", "SerialPerpetratorEntry", "PerpetratorOutcome"):
            pid = first(node, "personId")
            if pid:
                self.anchors.add(pid)
        for key, value in node.items():
            if isinstance(value, dict | list):
                self.walk(value, f"{path}.{key}", person)

    # --- records -------------------------------------------------------------------------------------------------

    def shares(self, record_type: str, name: str) -> bool:
        return bool(self.terms and self.terms.shares(record_type, name))

    def record(self, typename: str, node: dict[str, Any], path: str, person: str | None) -> None:
        rtype, agency = TYPES[typename], first(node, "agency")
        local = first(node, "localId")
        ident = first(node, "id")
        if typename == "Incident" and isinstance(ident, str) and ":" in ident:
            agency, local = agency or ident.split(":", 1)[0], local or ident.split(":", 1)[1]
        rec = self.world.record(agency, local, rtype) if agency and local else None
        if rec is None and typename == "PersonRecord" and person and agency:
            mine = [r for r in self.world.person_records(person) if r.agency == agency]
            rec = mine[0] if len(mine) == 1 else None
        if self.terms is not None and agency:
            if rtype not in self.terms.share:
                self.add("field-shared", path, f"{typename} {agency}:{local}", f"record type {rtype} is not shared")
            problem = self.terms.flow_problem(agency, rtype)
            if problem:
                self.add("source-flows", path, f"{agency}:{local}", f"{rtype} from {agency}: {problem}")
        if rec is not None:
            self.retention(rec, path)
            if typename == "PersonRecord" and person and self.world.person_of.get(rec.key) != person:
                self.add(
                    "person-visible",
                    path,
                    f"{agency}:{local}",
                    f"a record of {self.world.person_of.get(rec.key)} under {person}",
                )
        for key, values in fields(node).items():
            if key in ("__typename", "agency", "people"):
                continue
            name = "local_id" if key == "id" else snake(key)
            for value in values:
                if value in (None, [], ""):
                    continue
                self.field(rtype, name, value, f"{path}.{key}", rec)
        for link in first(node, "people") or []:
            if not isinstance(link, dict):
                continue
            role = first(link, "role")
            name = ROLE_LINK.get(role, role) if role else first(link, "field")
            pid = first(link, "personId")
            if name and not self.shares(rtype, snake(str(name))):
                self.add("field-shared", f"{path}.people", f"{name} {pid}", f"{rtype} link {name} not shared")
            if rec is None or not pid:
                continue
            named = [n for n, p in self.world.linked(rec) if p == pid and (not name or n == snake(str(name)))]
            if not any(self.shares(rtype, n) for n in named):
                continue
            if not self.view.source_ok(rec.agency) or (self.terms and not self.terms.flows(rec.agency, rtype)):
                self.named_by.setdefault(pid, "source-flows")
            elif not self.view.in_retention(rec):
                self.named_by.setdefault(pid, "retention")
            else:
                self.anchors.add(pid)  # named by a record the caller may see, through a shared link
        if rec is None:
            self.dates(node, path, ("occurredAt", "start", "assessedAt", "referredAt", "appliedAt", "notedAt"))

    def field(self, rtype: str, name: str, value: Any, path: str, rec: Rec | None) -> None:
        if not self.shares(rtype, name):
            self.add("field-shared", path, value, f"{rtype}.{name} is not shared")
            return
        mask = self.terms.masked(rtype, name) if self.terms else None
        if mask is None:
            return
        if mask == "redact":
            self.add("field-shared", path, value, f"{rtype}.{name} must be redacted")
            return
        pattern = MASK_FORMAT.get(mask)
        texts = (
            [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else [str(value)]
        )
        for text in texts:
            if pattern is not None and not pattern.match(text):
                self.add("field-shared", path, text, f"{rtype}.{name} not masked to {mask}")

    def retention(self, rec: Rec, path: str) -> None:
        cut = self.view.cutoff()
        day = rec.date()
        if cut is not None and day is not None and day < cut:
            self.add(
                "retention",
                path,
                f"{rec.agency}:{rec.local_id} {day}",
                f"{rec.type} dated {day}, before the cut-off {cut}",
            )

    def dates(self, node: dict[str, Any], path: str, names: tuple[str, ...]) -> None:
        cut = self.view.cutoff()
        if cut is None:
            return
        for name in names:
            value = first(node, name)
            if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value) and day_of(value) < cut:
                self.add("retention", f"{path}.{name}", value, f"dated before the cut-off {cut}")

    def refs(self, refs: list[Any], path: str) -> list[Rec]:
        found = []
        for i, ref in enumerate(refs):
            if not isinstance(ref, dict):
                continue
            agency, local = first(ref, "agency"), first(ref, "localId")
            rec = self.world.record(agency, local) if agency and local else None
            if rec is None:
                continue
            found.append(rec)
            where = f"{path}[{i}]"
            if self.terms is not None:
                if rec.type not in self.terms.share:
                    self.add("field-shared", where, f"{agency}:{local}", f"names a {rec.type}, a type not shared")
                problem = self.terms.flow_problem(rec.agency, rec.type)
                if problem:
                    self.add("source-flows", where, f"{agency}:{local}", f"{rec.type} from {agency}: {problem}")
            self.retention(rec, where)
        return found

    # --- analytics ------------------------------------------------------------------------------------------------

    def allowed_incidents(self, pid: str) -> list[Rec]:
        return [
            r for r in self.judge.perpetrated.get(pid, [])
            if self.terms and self.terms.flows(r.agency, "incident") and self.view.in_retention(r)
        ]  # fmt: skip

    def alert(self, node: dict[str, Any], path: str) -> None:
        kind = first(node, "kind")
        if self.terms is not None and kind and kind not in self.terms.alerts:
            self.add("field-shared", f"{path}.kind", kind, "alert kind not listed by the agreement")
        self.dates(node, path, ("raisedAt",))
        self.refs(first(node, "records") or [], f"{path}.records")
        summary, pid = first(node, "summary"), first(node, "personId")
        raised = first(node, "raisedAt")
        if isinstance(summary, str) and pid:
            match = SUMMARY_COUNT.search(summary)
            if match:
                before = [r for r in self.allowed_incidents(pid) if not raised or r.fields["occurred_at"] < raised]
                if int(match.group(1)) > len(before):
                    everything = [
                        r for r in self.judge.perpetrated.get(pid, []) if not raised or r.fields["occurred_at"] < raised
                    ]
                    old = [r for r in everything if not self.view.in_retention(r)]
                    self.add("retention" if old else "source-flows", f"{path}.summary", summary,
                             f"counts {match.group(1)} earlier incidents; {len(before)} may be shown")  # fmt: skip
        ack = first(node, "acknowledged")
        alert_id = first(node, "id")
        if isinstance(ack, dict):
            note = first(ack, "note")
            written = note_purpose(note) if isinstance(note, str) else None
            if written is None:
                purposes = sorted(str(p) for a, p in self.judge.acks if a == alert_id)
                mine = self.view.caller.purpose in purposes
                written = self.view.caller.purpose if mine else (purposes[0] if purposes else None)
            if (written is not None or isinstance(note, str)) and written != self.view.caller.purpose:
                shown = f"acknowledgement written under {written!r} shown under {self.view.caller.purpose!r}"
                self.add("cross-purpose-writes", f"{path}.acknowledged", f"{note} by {first(ack, 'who')}", shown)
        notification = first(node, "notification")
        if isinstance(notification, dict):
            school = first(notification, "school")
            if school and school != self.view.caller.agency:
                self.add("person-visible", f"{path}.notification.school", school, "another school's notification")
            self.dates(notification, f"{path}.notification", ("occurredAt",))

    def analytic(self, typename: str, node: dict[str, Any], path: str) -> None:
        pid = first(node, "personId")
        self.dates(node, path, ("lastIncident", "firstIncident"))
        self.refs(first(node, "records") or [], f"{path}.records")
        t = self.terms
        if t is None or not pid:
            return
        mine = self.world.person_records(pid)
        for i, d in enumerate(first(node, "districts") or []):
            ok = any(self.view.source_ok(r.agency) and t.flows(r.agency, "person") and t.shares("person", "postcode")
                     and r.fields.get("postcode") and district(r.fields["postcode"]) == d for r in mine)  # fmt: skip
            if not ok:
                holders = sorted(
                    {r.agency for r in mine if r.fields.get("postcode") and district(r.fields["postcode"]) == d}
                )
                self.add("source-flows", f"{path}.districts[{i}]", d, f"district held only by {holders or 'nobody'}")
        for i, a in enumerate(first(node, "agencies") or []):
            if not self.view.source_ok(a) or not any(t.flows(a, rt) for rt in t.share):
                self.add("source-flows", f"{path}.agencies[{i}]", a, f"agency: {t.flow_problem(a, 'person')}")
        allowed = self.allowed_incidents(pid)
        count = first(node, "incidents")
        if isinstance(count, int) and count > len(allowed):
            old = [r for r in self.judge.perpetrated.get(pid, []) if not self.view.in_retention(r)]
            self.add("retention" if old else "source-flows", f"{path}.incidents", count,
                     f"counts {count} incidents; {len(allowed)} may be shown")  # fmt: skip
        meta = self.probe.variables
        area, agency = meta.get("area"), meta.get("agency")
        if (
            typename == "Nomination"
            and area
            and not any(
                self.view.source_ok(r.agency) and r.fields.get("postcode") and district(r.fields["postcode"]) == area
                for r in mine
            )
        ):
            self.add(
                "source-flows", f"{path}.personId", f"{pid} area={area}", "area filter on a record that does not flow"
            )
        if typename == "Nomination" and agency and not self.view.source_ok(agency):
            self.add("source-flows", f"{path}.personId", f"{pid} agency={agency}", "agency filter over a non-source")

    def counts(self, node: dict[str, Any], path: str) -> None:
        t = self.terms
        rtype, by = first(node, "recordType"), first(node, "by") or []
        if t is None or not rtype:
            return
        for name in by:
            if not t.shares(rtype, name):
                self.add("field-shared", f"{path}.by", name, f"{rtype}.{name} is not shared")
        expected: dict[tuple[str, ...], int] = defaultdict(int)
        lenient: dict[tuple[str, ...], int] = defaultdict(int)
        for rec in self.world.current():
            if rec.type != rtype or not self.view.in_retention(rec):
                continue
            key = tuple(cell_value(rec, name) for name in by)
            if self.view.source_ok(rec.agency):
                lenient[key] += 1
                if t.flows(rec.agency, rtype):
                    expected[key] += 1
        for i, cell in enumerate(first(node, "cells") or []):
            count = first(cell, "count")
            if not isinstance(count, int):
                continue
            values = tuple(str(v).lower() if v is not None else "" for v in first(cell, "values") or [])
            where = f"{path}.cells[{i}]"
            if t.min_cell and 0 < count < t.min_cell:
                self.add("suppression", where, count, f"cell under min_cell {t.min_cell} shown")
            if count > expected.get(values, 0):
                rule = "source-flows" if count <= lenient.get(values, 0) else "retention"
                self.add(
                    rule, where, f"{values}={count}", f"only {expected.get(values, 0)} flowing records in the window"
                )

    def dashboard(self, node: dict[str, Any], path: str) -> None:
        t, cut = self.terms, self.view.cutoff()
        end = first(node, "end")
        for key, value in node.items():
            if not isinstance(value, dict) or value.get("__typename") != "DashboardCount":
                continue
            count = first(value, "count")
            if not isinstance(count, int):
                continue
            if t and t.min_cell and 0 < count < t.min_cell:
                self.add("suppression", f"{path}.{key}", count, f"count under min_cell {t.min_cell} shown")
            if count > 0 and cut is not None and isinstance(end, str) and day_of(end) < cut:
                self.add(
                    "retention", f"{path}.{key}", count, f"counts a quarter ending {end}, before the cut-off {cut}"
                )
            if count > 0 and t is not None and not any(t.flows(a, rt) for a in t.sources for rt in t.share):
                self.add("source-flows", f"{path}.{key}", count, "a count from sources none of which contributes")

    def connection(self, typename: str, node: dict[str, Any], path: str) -> None:
        total = first(node, "totalCount")
        flt = self.probe.variables.get("filter") or {}
        if not isinstance(total, int):
            return
        if typename == "PersonConnection":
            expected = 0
            for pid in self.view.visible:
                recs = [r for r in self.world.person_records(pid) if self.view.source_ok(r.agency)]
                if flt.get("agency") and not any(r.agency == flt["agency"] for r in recs):
                    continue
                if flt.get("familyName") and not any(
                    str(r.fields.get("family_name", "")).lower() == flt["familyName"].lower() for r in recs
                ):
                    continue
                expected += 1
            if total > expected:
                self.add(
                    "person-visible",
                    f"{path}.totalCount",
                    total,
                    f"counts people the caller may not see ({expected} visible)",
                )
        else:
            allowed = 0
            for rec in self.world.current():
                if rec.type != "incident" or not self.view.source_ok(rec.agency) or not self.view.in_retention(rec):
                    continue
                if flt.get("agency") and rec.agency != flt["agency"]:
                    continue
                if flt.get("categories") and rec.fields.get("category") not in flt["categories"]:
                    continue
                day = rec.date()
                if flt.get("from") and day and day < dt.date.fromisoformat(flt["from"]):
                    continue
                if flt.get("to") and day and day > dt.date.fromisoformat(flt["to"]):
                    continue
                allowed += 1
            if total > allowed:
                self.add(
                    "retention",
                    f"{path}.totalCount",
                    total,
                    f"counts incidents past retention or sources ({allowed} allowed)",
                )

    def identity_link(self, node: dict[str, Any], path: str, person: str | None) -> None:
        """Both records of a link: person records of this person, of agencies that flow; evidence only where the
        fields it is computed from are shared as recorded."""
        t = self.terms
        recs = [
            rec
            for side in ("record", "linkedWith")
            if isinstance(ref := first(node, side), dict)
            for rec in self.refs([ref], f"{path}.{side}")
        ]
        for rec in recs:
            owner = self.world.person_of.get(rec.key)
            if rec.type != "person" or (person and owner != person):
                self.add("person-visible", path, f"{rec.agency}:{rec.local_id}", f"a record of {owner} under {person}")
            elif not self.view.source_ok(rec.agency):
                self.add("source-flows", path, f"{rec.agency}:{rec.local_id}", "a person record that does not flow")
        if t is None:
            return
        plain = lambda name: t.shares("person", name) and t.masked("person", name) is None  # noqa: E731
        partner = any(t.shares(rtype, name) for rtype, name in PARTNER_LINKS)
        for i, c in enumerate(first(node, "comparisons") or []):
            name = first(c, "comparison") if isinstance(c, dict) else None
            ok = partner if name == "neighbours" else all(plain(n) for n in COMPARED.get(str(name), ("?",)))
            if name and not ok:
                self.add("field-shared", f"{path}.comparisons[{i}]", name, "evidence on fields not shared as recorded")
        rule = first(node, "rule")
        if isinstance(rule, str) and not (plain("given_name") and plain("family_name")):
            self.add("field-shared", f"{path}.rule", rule, "a rule on names not shared as recorded")
        if isinstance(rule, str) and "partner" in rule and not partner:
            self.add("field-shared", f"{path}.rule", rule, "a rule on a partner the agreement does not share")

    def investigation(self, node: dict[str, Any], path: str) -> None:
        """An investigation is its saver's own, under the purpose it was saved under; the people in it are those
        the caller itself put there (anchors), which must still be people it may see (``persons``)."""
        owner = self.judge.saved.get(str(first(node, "id")))
        me = (self.view.caller.agency, self.view.caller.purpose)
        if owner is not None and owner != me:
            self.add("cross-purpose-writes", path, first(node, "id"), f"an investigation of {owner} shown to {me}")
        purpose = first(node, "purpose")
        if purpose is not None and purpose != self.view.caller.purpose:
            self.add("cross-purpose-writes", f"{path}.purpose", purpose, "an investigation of another purpose")
        people = [*(first(node, "personIds") or []), *(first(p, "id") for p in first(node, "people") or [])]
        centre = first(first(node, "filters") or {}, "centrePersonId")
        self.anchors.update(str(p) for p in [*people, centre] if p)

    # --- writes ----------------------------------------------------------------------------------------------------

    def identity(self, node: dict[str, Any], path: str) -> None:
        for side in ("a", "b"):
            ref = self.probe.variables.get(side) or {}
            key = (ref.get("agency"), ref.get("localId"))
            pid = self.world.person_of.get(key)  # type: ignore[arg-type]
            if pid is None or pid not in self.view.visible or not self.view.source_ok(str(key[0])):
                self.add(
                    "write-scope",
                    f"{path}",
                    f"{key[0]}:{key[1]}",
                    "identity decision on a record the caller cannot see",
                )

    def submission(self, node: dict[str, Any], path: str) -> None:
        sent = self.probe.variables.get("records") or []
        contributes = self.view.world.scenario.get("contributes", {})
        for i, outcome in enumerate(first(node, "outcomes") or []):
            if not first(outcome, "accepted"):
                continue
            index = first(outcome, "index")
            if not isinstance(index, int) or index >= len(sent):
                continue  # which record it was is not in the answer
            record = sent[index]
            agency, rtype = record.get("agency"), record.get("type")
            if agency != self.view.caller.agency or rtype not in contributes.get(agency, set()):
                self.add("write-scope", f"{path}.outcomes[{i}]", f"{agency}:{record.get('local_id')}",
                         f"accepted a {rtype} from {agency} for a caller of {self.view.caller.agency}")  # fmt: skip

    # --- every value -------------------------------------------------------------------------------------------------

    def scan(self, node: Any, path: str, audit: bool = False) -> None:
        if isinstance(node, dict):
            audit = audit or node.get("__typename") in AUDIT_TYPES
            for key, value in node.items():
                self.scan(value, f"{path}.{key}", audit)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.scan(value, f"{path}[{i}]", audit)
        elif isinstance(node, str):
            texts = [node]
            if re.search(r"cursor|Cursor", path) or path.endswith("after"):
                texts.append(decode_cursor(node))
            for text in texts:
                self.string(text, path, audit)

    def string(self, text: str, path: str, audit: bool) -> None:
        for pid in HP.findall(text):
            self.ids.append((pid, path, audit))
        if text in self.sent:
            return  # a value the caller sent itself, echoed (a person id echoed is still judged, above)
        forbidden = self.judge.forbidden(self.view)
        where = forbidden.get(text)
        if (where and not is_date(text)) or (where and "dob" in path.lower()):
            rule = "refusal" if self.view.refused else "literal"
            self.add(rule, path, text, f"personal value of {where[0][0]}:{where[0][1]} ({where[0][2]})")
        elif len(text) > 12:
            for value in long_values(forbidden):
                if value in text and value != text:
                    self.add("refusal" if self.view.refused else "literal", path, value, "personal value inside a text")
                    break

    def persons(self) -> None:
        if not self.ids:
            return
        view = self.view
        if view.refused:
            for pid, path, _ in self.ids:
                self.add("refusal", path, pid, f"refused caller ({view.refused_because}) got a person id")
            return
        records = view.access == "records"
        reach = view.reachable(self.anchors) if records else set()
        old = view.reachable(self.anchors, retention=False) if records else set()
        anywhere = view.reachable(self.anchors, retention=False, sources=False) if records else set()
        for pid, path, audit in self.ids:
            if audit and view.access == "audit":
                continue
            if pid in self.named_by and pid not in reach:
                self.add(self.named_by[pid], path, pid, "a person named by a record the caller may not be shown")
            elif pid not in view.visible:
                known = pid in self.world.person_ids
                self.add(
                    "person-visible",
                    path,
                    pid,
                    "a person the caller may not see" if known else "an id that is not a person",
                )
            elif self.listing and view.terms is not None and view.terms.scope == "any":
                continue
            elif pid not in reach and pid in old:
                self.add("retention", path, pid, "a person named only through records past the retention cut-off")
            elif pid not in reach and pid in anywhere:
                self.add(
                    "source-flows", path, pid, "a person named only through records of agencies that are not sources"
                )
            elif pid not in reach:
                self.add("person-visible", path, pid, "a person reached through a link the agreement does not share")


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def personal_payload(value: Any) -> bool:
    """Anything but nulls, empty lists, booleans and the non-personal directory (agencies)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, list):
        return any(personal_payload(v) for v in value)
    if isinstance(value, dict):
        return value.get("__typename") not in ("Agency", "HubInfo") and any(
            personal_payload(v) for k, v in value.items() if k != "__typename"
        )
    return True


def cell_value(rec: Rec, name: str) -> str:
    value = rec.fields.get(name)
    if value is None:
        return ""
    if name.endswith(("_at", "start", "end")) or name in ("dob",):
        return str(value)[:7]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).lower()


def is_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


_LONG: dict[int, list[str]] = {}


def long_values(forbidden: dict[str, Any]) -> list[str]:
    key = id(forbidden)
    if key not in _LONG:
        _LONG[key] = [v for v in forbidden if len(v) >= 8 and not is_date(v)]
    return _LONG[key]


NOTE = re.compile(r"leak-note/([a-z0-9-]+)/")


def note_purpose(note: str) -> str | None:
    match = NOTE.search(note)
    return match.group(1) if match else None


def compare_pairs(probes: list[tuple[Probe, int, Any]]) -> Iterator[Finding]:
    """``existence``: within each pair, the responses must be equal once the differing value is blotted out."""
    groups: dict[str, list[tuple[Probe, int, Any]]] = defaultdict(list)
    for item in probes:
        if item[0].pair:
            groups[item[0].pair].append(item)
    for items in groups.values():
        if len(items) != 2:
            continue
        (a, sa, ba), (b, sb, bb) = sorted(items, key=lambda i: not i[0].hidden)
        na = normal(sa, ba, a.echo)
        nb = normal(sb, bb, b.echo)
        if na != nb:
            yield Finding(
                "existence", a.caller, a.root, first_difference(na, nb), a.echo[0] if a.echo else "",
                f"hidden {a.echo} vs made-up {b.echo}: {json.dumps(ba)[:300]} <> {json.dumps(bb)[:300]}",
                a.query, json.dumps(a.variables)[:600],
            )  # fmt: skip


def normal(status: int, body: Any, echo: list[str]) -> Any:
    text = json.dumps(body, sort_keys=True)
    for value in echo:
        text = text.replace(json.dumps(value)[1:-1], "<V>")
    return [status, json.loads(text)]


def first_difference(a: Any, b: Any, path: str = "$") -> str:
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
        if len(a) != len(b):
            return f"{path}.length"
    return path
