"""The MATAC serial perpetrator list under a request's grant: computed only from the incidents the caller may see
(sources and retention pushed into the analysis), showing only the records it may see."""

from __future__ import annotations

import dataclasses

from graph.analytics.rfg import RfgScore, load_config, score_perpetrators
from graph.analytics.rfg import nominations as rfg_nominations
from graph.analytics.serial import SerialPerpetrator, Victim, find_serial, shift_years
from graph.store import Graph
from hub.access.context import Access, Forbidden

LINKS = ("perpetrators", "victims", "occurred_at")


def _sources(access: Access, fields: tuple[str, ...]) -> list[str]:
    """Agencies whose incidents the analysis may use: those from which every field it reads may be seen."""
    access.require_records()
    grant = access.grant
    if grant.terms is not None and grant.terms.subject_scope != "any":
        raise Forbidden((f"purpose {grant.terms.code!r} answers about the caller's own records only",))
    sources = [s for s in grant.sources("incident") if all(grant.may_see("incident", f, s) for f in fields)]
    if not sources:
        raise Forbidden((f"{grant.agreement_label} does not share who harmed whom, and when, for {grant.purpose!r}",))
    return sources


def serial_perpetrators(access: Access, graph: Graph, years: int = 3) -> list[SerialPerpetrator]:
    sources = _sources(access, LINKS)
    grant = access.grant
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


def nominations(
    access: Access, graph: Graph, *, top: int, area: str | None, agency: str | None
) -> tuple[str, list[RfgScore]]:
    """The MATAC nomination list, scored now from the incidents the caller may see (nothing is written back)."""
    sources = _sources(access, (*LINKS, "category"))
    config = load_config()
    grant = access.grant
    start = shift_years(grant.today, -config.window_years)
    since = max(start, grant.cutoff) if grant.cutoff else start
    run = score_perpetrators(graph, config, as_of=grant.today, write=False, sources=sources, since=since)
    listed = []
    for s in rfg_nominations(run.scores, top=top, area=area, agency=agency):
        access.saw(s.person)
        records = tuple(r for r in s.records if grant.may_see("person", "local_id", r[0]))
        districts = s.districts if any(grant.may_see("person", "postcode", a) for a, _ in s.records) else ()
        listed.append(dataclasses.replace(s, records=records, districts=districts))
    for name in (*LINKS, "category", "harm_score"):
        access.disclosed("incident", name, None)
    return config.digest, listed
