"""A request's access: the principal, the declared purpose and justification, the grant, and what was disclosed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.model import RECORD_TYPES
from graph.scope import Scope
from hub.auth.principal import Principal
from hub.exceptions import BadRequest as BadRequest  # re-exported: hub.access raises it from here
from hub.exceptions import Forbidden
from hub.policy import Asker, Decider, Grant

PURPOSE_HEADER = "x-purpose"
JUSTIFICATION_HEADER = "x-justification"
_MAX_HEADER = 200


@dataclass
class Access:
    principal: Principal | None
    purpose: str | None
    justification: str | None
    grant: Grant
    persons: set[str] = field(default_factory=set)  # resolved ids whose data was disclosed
    fields: set[str] = field(default_factory=set)  # catalogue keys disclosed
    refusals: list[str] = field(default_factory=list)  # error codes the response carries
    notes: list[str] = field(default_factory=list)  # what a mutation did, for the audit event
    problems: tuple[str, ...] = ()  # why the declared purpose could not be taken at all (headers, the token's list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def disclosed(self, entity: str, name: str, person: str | None) -> None:
        with self._lock:  # resolvers may run in worker threads
            self.fields.add(f"{entity}.{name}")
            if person:
                self.persons.add(person)

    def saw(self, person: str) -> None:
        with self._lock:
            self.persons.add(person)

    def _refuse(self, what: str) -> None:
        denied = not self.grant.allowed
        raise Forbidden(self.grant.reasons if denied else (f"purpose {self.purpose!r} gives no {what}",))

    def require_records(self) -> None:
        if not self.grant.records:
            self._refuse("person-level data")

    def require_audit(self) -> None:
        if not self.grant.audit:
            self._refuse("access to the audit trail")

    def require_aggregates(self) -> None:
        if not self.grant.aggregates:
            self._refuse("aggregates")

    @property
    def scope(self) -> Scope:
        return scope_for(self.grant, self.principal)


def _declared(headers: Mapping[str, str], name: str, claim: str | None) -> tuple[str | None, str | None]:
    """The header value, else the token claim; and a problem when the two disagree or the header is unusable."""
    header = headers.get(name)
    if header is not None:
        header = header.strip()
        if not header or len(header) > _MAX_HEADER or not header.isprintable():
            return None, f"the {name} header is empty, too long or not printable"
        if claim is not None and claim != header:
            return None, f"the {name} header disagrees with the token's claim"
        return header, None
    return claim, None


def access_for(principal: Principal | None, headers: Mapping[str, str], decider: Decider, today: dt.date) -> Access:
    """Decide once per request, before anything runs; the same grant then governs every field of the response."""
    if principal is None:
        return Access(None, None, None, Grant(None, today=today, reasons=("not authenticated: send a bearer token",)))
    purpose, problem = _declared(headers, PURPOSE_HEADER, principal.purpose)
    justification, problem2 = _declared(headers, JUSTIFICATION_HEADER, principal.justification)
    problems = tuple(p for p in (problem, problem2) if p)
    if not problems and purpose and principal.purposes and purpose not in principal.purposes:
        problems = (f"the token does not allow purpose {purpose!r}",)
    if problems:
        return Access(
            principal, purpose, justification, Grant(purpose, today=today, reasons=problems), problems=problems
        )
    asker = Asker(principal.subject, principal.agency, principal.roles)
    return Access(principal, purpose, justification, decider.grant(asker, purpose, justification, today))


def scope_for(grant: Grant, principal: Principal | None) -> Scope:
    """The record-level part of the grant, for the graph: sources and links per label, retention, subject scope."""
    sources: dict[str, list[str]] = {}
    links: dict[str, list[str]] = {}
    for kind in RECORD_TYPES.values():
        agencies = grant.sources(kind.name)
        if kind.name == "incident":  # an incident is shown with its id (agency:local_id), or not at all
            agencies = [a for a in agencies if "local_id" in grant.fields("incident", a)]
            agencies = [a for a in agencies if grant.fields("incident", a)["local_id"] is None]
        if not agencies:
            continue
        sources[kind.label] = agencies
        links[kind.label] = [
            rel for name, rel in kind.references.items() if any(grant.may_see(kind.name, name, a) for a in agencies)
        ]
    own = principal.agency if principal and grant.terms and grant.terms.subject_scope == "own-records" else None
    return Scope(sources=sources, links=links, since=grant.cutoff, own_agency=own, born_after=born_after(grant))


def born_after(grant: Grant) -> dt.date | None:
    """With an age limit of N, only people born after today minus N+1 years are young enough."""
    terms = grant.terms
    if terms is None or terms.subject_max_age is None:
        return None
    today = grant.today
    year = today.year - terms.subject_max_age - 1
    return today.replace(year=year) if (today.month, today.day) != (2, 29) else dt.date(year, 2, 28)
