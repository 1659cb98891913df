"""Decisions: what one caller, acting for one purpose, may see today, as a ``Grant`` the enforcement layer applies.

The grant is Cedar's answer for every catalogue field from every source agency, asked in one batch and cached: the
same caller, purpose, justification and day always get the same grant, and a new agreement set starts a new cache.
The grant carries the obligations of the agreement version that allowed it (masks, retention cut-off, subject scope,
minimum cell size) and the reasons in words, for the audit trail and for the caller.

Each grant is a span (purpose and agency as the agreements' codes, the verdict, whether it came from the cache) and
each denial is counted by purpose. Subjects and justifications are never recorded: they identify people and cases.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import cedarpy

from graph.model import RECORD_TYPES
from hub.policy.agreements import Agreement, AgreementSet, Purpose
from hub.policy.catalogue import FIELDS, MASK_ORDER
from hub.policy.cedar import Compiled, compile_agreements, field_entities, today_number, user_entity
from hub.policy.explain import why_not
from hub.telemetry import known, meter, span

FieldRules = Mapping[str, str | None]  # field name -> mask (None: shown as recorded)
_denials = meter.create_counter("hub.policy.denials", unit="{decision}", description="Grants refused, by purpose")


@dataclass(frozen=True)
class Grant:
    """What the caller may see. An empty grant (``allowed`` false) discloses nothing and says why in ``reasons``."""

    purpose: str | None
    agreement: Agreement | None = None
    terms: Purpose | None = None
    # (entity, source agency) -> the fields of that entity visible from that source, with their masks
    visible: Mapping[tuple[str, str], FieldRules] = field(default_factory=dict)
    audit: bool = False  # may read the audit trail
    today: dt.date = field(default_factory=dt.date.today)
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return bool(self.visible) or self.audit

    @property
    def records(self) -> bool:
        """Person-level records may be read (not only aggregates)."""
        return self.terms is not None and self.terms.access == "records" and bool(self.visible)

    @property
    def aggregates(self) -> bool:
        return self.terms is not None and self.terms.access == "aggregates" and bool(self.visible)

    def sources(self, entity: str) -> list[str]:
        """Agencies whose records of this type may be disclosed at all: the record-level rule pushed into Cypher."""
        return sorted(source for (e, source) in self.visible if e == entity)

    def fields(self, entity: str, source: str) -> FieldRules:
        return self.visible.get((entity, source), {})

    def may_see(self, entity: str, name: str, source: str) -> bool:
        return name in self.visible.get((entity, source), {})

    @property
    def cutoff(self) -> dt.date | None:
        """Records dated before this are past the retention window and are not disclosed."""
        if self.terms is None or self.terms.retention is None:
            return None
        return self.terms.retention.before(self.today)

    @property
    def agreement_label(self) -> str | None:
        return self.agreement.label if self.agreement else None


@dataclass(frozen=True)
class Asker:
    """The parts of a principal a decision depends on."""

    subject: str
    agency: str
    roles: frozenset[str]


class Decider:
    """Answers grant requests against one compiled agreement set. Thread-safe; results are cached per asker."""

    def __init__(self, agreements: AgreementSet, *, cache_size: int = 1024) -> None:
        self.agreements = agreements
        self.compiled: Compiled = compile_agreements(agreements)
        self._fields = field_entities()
        self._sources = agreements.agencies
        self._purposes = frozenset(agreements.purposes)
        self._cache: OrderedDict[tuple[object, ...], Grant] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._submit_cache: dict[tuple[object, ...], frozenset[str]] = {}

    def grant(self, asker: Asker, purpose: str | None, justification: str | None, today: dt.date) -> Grant:
        # the subject does not change the answer (policies look at agency and roles), so it is not in the key
        key = (asker.agency, asker.roles, purpose, justification or "", today)
        labels = {"hub.purpose": known(purpose, self._purposes), "hub.agency": known(asker.agency, self._sources)}
        with span("policy.decide", labels) as current:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
            grant = cached if cached is not None else self._decide(asker, purpose, justification or "", today)
            if cached is None:
                with self._lock:
                    self._cache[key] = grant
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
            current.set_attributes(
                {"hub.policy.decision": "allow" if grant.allowed else "deny", "hub.policy.cached": cached is not None}
            )
            if grant.agreement is not None:
                current.set_attribute("hub.agreement", grant.agreement.label)
        if not grant.allowed:
            _denials.add(1, {"hub.purpose": labels["hub.purpose"]})
        return grant

    def submittable(self, asker: Asker, today: dt.date) -> frozenset[str]:
        """The record types this caller may submit today: its own agency's records, under an agreement in force that
        names the agency as contributing them, with the submitter role."""
        key = ("submit", asker.agency, asker.roles, today)
        with self._lock:
            if key in self._submit_cache:
                return self._submit_cache[key]
        entities = [user_entity(asker.subject, asker.agency, asker.roles)]
        context = {"purpose": "", "justification": "", "today": today_number(today), "source": asker.agency}
        requests = [
            {
                "principal": {"type": "Hub::User", "id": asker.subject},
                "action": {"type": "Hub::Action", "id": "submit"},
                "resource": {"type": "Hub::RecordType", "id": kind},
                "context": context,
            }
            for kind in RECORD_TYPES
        ]
        results = cedarpy.is_authorized_batch(requests, self.compiled.policies, entities)
        allowed = frozenset(kind for kind, result in zip(RECORD_TYPES, results, strict=True) if result.allowed)
        with self._lock:
            self._submit_cache[key] = allowed
        return allowed

    def _decide(self, asker: Asker, purpose: str | None, justification: str, today: dt.date) -> Grant:
        if not purpose:
            return Grant(None, today=today, reasons=("no purpose declared (send the X-Purpose header)",))
        agreement = self.agreements.for_purpose(purpose, today)
        terms = agreement.purposes[purpose] if agreement else None
        entities = [*self._fields, user_entity(asker.subject, asker.agency, asker.roles)]
        context = {"purpose": purpose, "justification": justification, "today": today_number(today)}
        principal = {"type": "Hub::User", "id": asker.subject}
        if agreement is not None and terms is not None and terms.access == "audit":
            request = {
                "principal": principal,
                "action": {"type": "Hub::Action", "id": "audit"},
                "resource": {"type": "Hub::Trail", "id": "hub"},
                "context": {**context, "source": ""},
            }
            result = cedarpy.is_authorized(request, self.compiled.policies, entities)
            if result.allowed:
                return self._allowed(agreement, terms, {}, today, audit=True)
            return self._denied(asker, purpose, justification, today)
        action = {"type": "Hub::Action", "id": "aggregate" if terms and terms.access == "aggregates" else "read"}
        asked = [(f.entity, f.name, source) for f in FIELDS.values() for source in self._sources]
        requests = [
            {
                "principal": principal,
                "action": action,
                "resource": {"type": "Hub::Field", "id": f"{entity}.{name}"},
                "context": {**context, "source": source},
            }
            for entity, name, source in asked
        ]
        results = cedarpy.is_authorized_batch(requests, self.compiled.policies, entities) if requests else []
        visible: dict[tuple[str, str], dict[str, str | None]] = {}
        for (entity, name, source), result in zip(asked, results, strict=True):
            if not result.allowed:
                continue
            rules = [self.compiled.rule(pid) for pid in result.diagnostics.reasons]
            # every permit that applies comes from the one agreement governing this purpose
            masks = [r.mask for r in rules]
            visible.setdefault((entity, source), {})[name] = max(masks, key=MASK_ORDER.index)
        if not visible or agreement is None or terms is None:
            return self._denied(asker, purpose, justification, today)
        return self._allowed(agreement, terms, visible, today)

    def _allowed(
        self,
        agreement: Agreement,
        terms: Purpose,
        visible: dict[tuple[str, str], dict[str, str | None]],
        today: dt.date,
        audit: bool = False,
    ) -> Grant:
        warnings = []
        if today > agreement.review_by:
            warnings.append(f"{agreement.label} was due for review on {agreement.review_by.isoformat()}")
        return Grant(
            terms.code,
            agreement,
            terms,
            visible,
            audit=audit,
            today=today,
            reasons=(f"allowed by {agreement.label} for {terms.code}",),
            warnings=tuple(warnings),
        )

    def _denied(self, asker: Asker, purpose: str, justification: str, today: dt.date) -> Grant:
        reasons = why_not(self.agreements, asker.agency, asker.roles, purpose, justification, today)
        return Grant(purpose, today=today, reasons=tuple(reasons) or ("denied: no agreement allows this",))
