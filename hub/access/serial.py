"""The MATAC serial perpetrator list and the RFG(V) nominations under a request's grant: computed inside the request's
scope, narrowed to the agencies whose incidents show every field the analysis reads, so nothing the caller may not
see counts, is listed, or answers a filter (an agency or district facet comes only from records the caller may see)."""

from __future__ import annotations

import dataclasses

from graph.analytics.rfg import RfgScore, load_config, score_perpetrators
from graph.analytics.rfg import nominations as rfg_nominations
from graph.analytics.serial import INCIDENT, SerialPerpetrator, Victim, find_serial
from graph.scope import Scope
from graph.store import Graph
from hub.access.context import Access, Forbidden

LINKS = ("perpetrators", "victims", "occurred_at")


def analysis_scope(access: Access, fields: tuple[str, ...]) -> Scope:
    """The request's scope with incidents only from agencies that show every field the analysis reads."""
    access.require_records()
    grant = access.grant
    if grant.terms is not None and grant.terms.subject_scope != "any":
        raise Forbidden((f"purpose {grant.terms.code!r} answers about the caller's own records only",))
    scope = access.scope
    sources = [s for s in scope.agencies(INCIDENT) if all(grant.may_see("incident", f, s) for f in fields)]
    if not sources or not scope.follows(INCIDENT, "PERPETRATOR", "VICTIM"):
        raise Forbidden((f"{grant.agreement_label} does not share who harmed whom, and when, for {grant.purpose!r}",))
    return dataclasses.replace(scope, sources={**scope.sources, INCIDENT: sources})


def serial_perpetrators(access: Access, graph: Graph, years: int = 3) -> list[SerialPerpetrator]:
    scope = analysis_scope(access, LINKS)
    grant = access.grant
    report = find_serial(graph, scope, as_of=grant.today, years=years)
    sources = scope.agencies(INCIDENT)

    def visible(records: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple(r for r in records if grant.may_see("person", "local_id", r[0]))

    def victim(v: Victim) -> Victim:
        access.saw(v.person)
        return dataclasses.replace(v, records=visible(v.records), agencies=tuple(a for a in v.agencies if a in sources))

    listed = []
    for p in report.perpetrators:
        access.saw(p.person)
        listed.append(
            dataclasses.replace(
                p,
                records=visible(p.records),
                victims=tuple(victim(v) for v in p.victims),
                agencies=tuple(a for a in p.agencies if a in sources or grant.may_see("person", "local_id", a)),
            )
        )
    for name in ("perpetrators", "victims", "occurred_at"):
        access.disclosed("incident", name, None)
    access.disclosed("person", "local_id", None)
    return listed


def nominations(
    access: Access, graph: Graph, *, top: int, area: str | None, agency: str | None
) -> tuple[str, list[RfgScore]]:
    """The MATAC nomination list, scored now from the incidents the caller may see (nothing is written back). The
    facets are cut to what the caller may see before the filters read them: an agency only where its incidents or
    its record's local id are shown, a district only from records whose postcode is shared."""
    scope = analysis_scope(access, (*LINKS, "category"))
    config = load_config()
    grant = access.grant
    run = score_perpetrators(graph, config, scope, as_of=grant.today, write=False)
    sources = scope.agencies(INCIDENT)
    shown = []
    for s in run.scores:
        records = tuple(r for r in s.records if grant.may_see("person", "local_id", r[0]))
        postcodes = [r for r in s.records if grant.may_see("person", "postcode", r[0])]
        districts = s.districts if postcodes else ()
        agencies = tuple(a for a in s.agencies if a in sources or grant.may_see("person", "local_id", a))
        shown.append(dataclasses.replace(s, records=records, districts=districts, agencies=agencies))
    listed = rfg_nominations(shown, top=top, area=area, agency=agency)
    for s in listed:
        access.saw(s.person)
    for name in (*LINKS, "category", "harm_score"):
        access.disclosed("incident", name, None)
    return config.digest, listed
