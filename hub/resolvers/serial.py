"""The MATAC serial perpetrator list and the RFG(V) nomination list, as the caller's grant computes them."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import serial
from hub.access.serial import RfgScore, SerialPerpetrator, Victim
from hub.schema.serial import Nomination, NominationList, RecordRef, SerialPerpetratorEntry, SerialVictim


def _refs(records: tuple[tuple[str, str], ...]) -> list[RecordRef]:
    return [RecordRef(agency=a, local_id=lid) for a, lid in records]


def _victim(v: Victim) -> SerialVictim:
    return SerialVictim(
        person_id=strawberry.ID(v.person),
        records=_refs(v.records),
        first_incident=v.first,
        last_incident=v.last,
        incidents=v.incidents,
        agencies=list(v.agencies),
    )


def _entry(p: SerialPerpetrator) -> SerialPerpetratorEntry:
    return SerialPerpetratorEntry(
        person_id=strawberry.ID(p.person),
        records=_refs(p.records),
        victims=[_victim(v) for v in p.victims],
        incidents=p.incidents,
        agencies=list(p.agencies),
        first_incident=p.first,
        last_incident=p.last,
    )


def _nomination(s: RfgScore) -> Nomination:
    return Nomination(
        rank=s.rank,
        person_id=strawberry.ID(s.person),
        score=s.score,
        recency=s.recency,
        frequency=s.frequency,
        gravity=s.gravity,
        victims=s.victims,
        days_since_last=s.days_since_last,
        incidents=s.incidents,
        harm=s.harm,
        victim_count=s.victim_count,
        serial=s.serial,
        last_incident=s.last_incident,
        records=_refs(s.records),
        districts=list(s.districts),
        agencies=list(s.agencies),
    )


async def serial_perpetrators(
    info: Info,
    years: Annotated[int, strawberry.argument(description="The look-back in years, 1 to 10 (MATAC: 3).")] = 3,
) -> list[SerialPerpetratorEntry]:
    years = max(1, min(years, 10))
    found = await run_in_threadpool(serial.serial_perpetrators, info.context["access"], info.context["graph"], years)
    return [_entry(p) for p in found]


async def matac_nominations(
    info: Info,
    top: Annotated[int, strawberry.argument(description="How many to list, 1 to 500.")] = 20,
    area: Annotated[str | None, strawberry.argument(description="Only perpetrators in this postcode district.")] = None,
    agency: Annotated[str | None, strawberry.argument(description="Only perpetrators this agency knows.")] = None,
) -> NominationList:
    top = max(1, min(top, 500))
    digest, scores = await run_in_threadpool(
        partial(serial.nominations, info.context["access"], info.context["graph"], top=top, area=area, agency=agency)
    )
    return NominationList(config=digest, nominations=[_nomination(s) for s in scores])
