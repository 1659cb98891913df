"""What one caller may see, decided from the agreements (``tests.leak.agreements``) and the world's facts alone.

"May see", per purpose (the test's reading of the agreements, written down):

- Nobody may see anything unless the agreement in force today names the caller's agency and role as a recipient of
  the purpose and the justification matches where one is required. Otherwise the caller is *refused*: no personal
  data at all, only documented error codes.
- ``records`` purposes. A resolved person is *visible* when one of their current person records comes from an agency
  among the purpose's sources (a health-sector source only with the special category condition).
  Under an own-records purpose (Operation Encompass) the caller's agency must itself hold a current record of the
  person, and every date of birth any current record gives must make them no older than ``max_age`` today (at least
  one must be known): a school sees its own pupils aged 17 or under, and no adult, not even one on its roll.
  Beyond visibility, a person may appear in a response only as the person asked about (an argument), as the subject
  of a listing's item (a person listed, an alert's person, a nominee, a serial perpetrator), or *reached* from such a
  person through links the agreement shares on records from its sources within retention: a DVDS officer sees the
  subject and co-perpetrators (``perpetrators``, ``subject``) and never a victim, partner, protected person or child.
- A record flows when its agency is a source, the party entry lists its type in ``contributes`` and the health
  condition holds (``Terms.flow_problem``); it is shown only when dated on or after the retention cut-off; its fields
  only as the agreement shares and masks them.
- ``aggregates`` purposes: counts only, over records that flow and are within retention, cells under ``min_cell``
  suppressed; no person-level data. ``audit`` purposes: the audit trail (which names resolved ids, subjects and
  justifications) but no record or personal value.
- Notes and acknowledgements written under one purpose appear only under that same purpose (no agreement shares
  them); identity decisions may be written only on two person records the caller can see.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.leak.agreements import Terms
from tests.leak.world import Rec, World

PERSONAL_FIELDS = ("given_name", "family_name", "other_names", "dob", "postcode", "address", "identifiers")


def district(postcode: str) -> str:
    return postcode.strip().upper().split()[0] if postcode.strip() else ""


def age_on(dob: str, today: dt.date) -> int:
    born = dt.date.fromisoformat(dob[:10])
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class Caller:
    name: str
    agency: str | None  # None: no token
    role: str | None
    purpose: str | None
    justification: str | None
    token: str | None = None  # "bad": a token the hub did not sign

    def headers(self) -> dict[str, str]:
        out = {}
        if self.token:
            out["authorization"] = f"Bearer {self.token}"
        if self.purpose:
            out["x-purpose"] = self.purpose
        if self.justification:
            out["x-justification"] = self.justification
        return out


@dataclass
class View:
    """The oracle's verdicts for one caller."""

    world: World
    caller: Caller
    terms: Terms | None
    visible: set[str] = field(default_factory=set)
    refused_because: str | None = None
    _reach_edges: dict[tuple[bool, bool], dict[str, set[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, world: World, caller: Caller, terms_by_purpose: dict[str, Terms]) -> View:
        terms = terms_by_purpose.get(caller.purpose or "")
        view = cls(world, caller, terms)
        view.refused_because = view._refusal()
        if view.refused_because is None and view.terms is not None and view.terms.access == "records":
            view._compute()
        return view

    def _refusal(self) -> str | None:
        c, t = self.caller, self.terms
        if c.token is None or c.token == "bad" or c.agency is None:
            return "no valid token"
        if c.purpose is None:
            return "no purpose"
        if t is None:
            return "no agreement in force for the purpose"
        if c.role not in t.recipients.get(c.agency, frozenset()):
            return "not a recipient (agency and role)"
        if not t.justified(c.justification):
            return "justification missing or not matching"
        return None

    @property
    def refused(self) -> bool:
        return self.refused_because is not None

    @property
    def access(self) -> str | None:
        return None if self.refused or self.terms is None else self.terms.access

    # --- records ------------------------------------------------------------------------------------------------

    def source_ok(self, agency: str) -> bool:
        """The agency is a source whose records may be drawn on at all (sources and the health condition)."""
        t = self.terms
        if t is None or agency not in t.sources:
            return False
        return not (t.sectors.get(agency) == "health" and not t.special_category_condition)

    def cutoff(self) -> dt.date | None:
        return self.terms.cutoff(self.world.today) if self.terms else None

    def in_retention(self, rec: Rec) -> bool:
        cut, day = self.cutoff(), rec.date()
        return cut is None or day is None or day >= cut

    def link_shown(self, rec: Rec, name: str, retention: bool = True, sources: bool = True) -> bool:
        return bool(
            self.terms
            and (self.source_ok(rec.agency) or not sources)
            and self.terms.shares(rec.type, name)
            and (self.in_retention(rec) or not retention)
        )

    def _compute(self) -> None:
        t, w = self.terms, self.world
        assert t is not None
        dobs: dict[str, list[str]] = defaultdict(list)
        basis: set[str] = set()
        own: set[str] = set()
        for rec in w.current():
            if rec.type != "person":
                continue
            pid = w.person_of.get(rec.key)
            if pid is None:
                continue
            if rec.fields.get("dob"):
                dobs[pid].append(rec.fields["dob"])
            if self.source_ok(rec.agency):
                basis.add(pid)
            if rec.agency == self.caller.agency:
                own.add(pid)
        if t.scope == "own-records":
            basis &= own
        if t.max_age is not None:
            basis = {p for p in basis if dobs[p] and all(age_on(d, w.today) <= t.max_age for d in dobs[p])}
        self.visible = basis
        for retention, sources in ((True, True), (False, True), (False, False)):
            edges: dict[str, set[str]] = defaultdict(set)
            for rec in w.current():
                if rec.type == "person":
                    continue
                named = [
                    pid for n, pid in w.linked(rec) if pid is not None and self.link_shown(rec, n, retention, sources)
                ]
                for a in named:
                    edges[a].update(b for b in named if b != a)
            self._reach_edges[retention, sources] = edges

    def reachable(self, anchors: set[str], retention: bool = True, sources: bool = True) -> set[str]:
        """The visible people linked to an anchor through links shown (optionally ignoring retention, sources)."""
        edges = self._reach_edges.get((retention, sources), {})
        seen = {a for a in anchors if a in self.visible}
        todo = list(seen)
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt in self.visible and nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    # --- personal values ----------------------------------------------------------------------------------------

    def allowed_values(self) -> set[str]:
        """Every personal value this caller may receive, in the form it may receive it."""
        out: set[str] = set()
        t = self.terms
        if self.refused or t is None or t.access != "records":
            return out
        for rec in self.world.current():
            if self.source_ok(rec.agency) and t.shares(rec.type, "local_id"):
                out.add(rec.local_id)
            if rec.type != "person" or self.world.person_of.get(rec.key) not in self.visible:
                continue
            if not self.source_ok(rec.agency):
                continue
            for name in PERSONAL_FIELDS:
                if not t.shares("person", name):
                    continue
                for value in values_of(rec.fields.get(name)):
                    out.add(mask_value(value, t.masked("person", name)))
        return out


def values_of(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def mask_value(value: str, mask: str | None) -> str:
    if mask is None:
        return value
    if mask == "year":
        return value[:4]
    if mask == "month":
        return value[:7]
    if mask == "district":
        return district(value)
    if mask == "initial":
        return value[:1]
    return ""


MASK_FORMAT = {
    "year": re.compile(r"^\d{4}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "district": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$"),
    "initial": re.compile(r"^[A-Za-z]\.?$"),
}


def personal_values(world: World) -> dict[str, list[tuple[str, str, str]]]:
    """value -> [(agency, local_id, field)] for every personal value in every person record (the literal scan)."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for recs in world.records.values():
        for rec in recs:
            if rec.type != "person":
                continue
            for name in PERSONAL_FIELDS:
                for value in values_of(rec.fields.get(name)):
                    if len(value) >= 4:
                        out[value].append((rec.agency, rec.local_id, name))
    return dict(out)
