"""The MATAC serial perpetrator list under a request's grant: computed only from the incidents the caller may see
(sources and retention pushed into the analysis), showing only the records it may see."""

from __future__ import annotations

from graph.analytics.serial import SerialPerpetrator, Victim, find_serial, shift_years
from graph.store import Graph
from hub.access.context import Access, Forbidden

LINKS = ("perpetrators", "victims", "occurred_at")


def serial_perpetrators(access: Access, graph: Graph, years: int = 3) -> list[SerialPerpetrator]:
    access.require_records()
    grant = access.grant
    terms = grant.terms
    if terms is not None and terms.subject_scope != "any":
        raise Forbidden((f"purpose {terms.code!r} answers about the caller's own records only",))
    sources = [s for s in grant.sources("incident") if all(grant.may_see("incident", f, s) for f in LINKS)]
    if not sources:
        raise Forbidden((f"{grant.agreement_label} does not share who harmed whom, and when, for {grant.purpose!r}",))
    today = grant.today
    start = shift_years(today, -years)
    since = max(start, grant.cutoff) if grant.cutoff else start
    report = find_serial(graph, as_of=today, since=since, sources=sources)

    def visible(records: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple(r for r in records if grant.may_see("person", "local_id", r[0]))

    def victim(v: Victim) -> Victim:
        access.saw(v.person)
        return Victim(
            v.person, visible(v.records), v.first, v.last, v.incidents, tuple(a for a in v.agencies if a in sources)
        )

    listed = []
    for p in report.perpetrators:
        access.saw(p.person)
        listed.append(
            SerialPerpetrator(
                p.person,
                visible(p.records),
                tuple(victim(v) for v in p.victims),
                p.incidents,
                tuple(a for a in p.agencies if a in sources or grant.may_see("person", "local_id", a)),
                p.first,
                p.last,
            )
        )
    for name in ("perpetrators", "victims", "occurred_at"):
        access.disclosed("incident", name, None)
    access.disclosed("person", "local_id", None)
    return listed
