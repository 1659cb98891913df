"""The MATAC serial perpetrator list, with provenance: every person carries its resolved id and its records."""

from __future__ import annotations

import datetime as dt
from functools import partial

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph.analytics.serial import SerialPerpetrator, Victim
from hub.access import serial


@strawberry.type(description="One agency's record of a person: where the resolved person comes from.")
class RecordRef:
    agency: str
    local_id: str


@strawberry.type(description="A victim of a serial perpetrator, in the order the abuse began.")
class SerialVictim:
    person_id: strawberry.ID
    records: list[RecordRef]
    first_incident: dt.datetime
    last_incident: dt.datetime
    incidents: int
    agencies: list[str]


@strawberry.type(
    description="A person aged 16+ recorded as suspect or offender on more than one domestic abuse "
    "incident against two or more victims in the look-back (MATAC)."
)
class SerialPerpetratorEntry:
    person_id: strawberry.ID
    records: list[RecordRef]
    victims: list[SerialVictim]
    incidents: int
    agencies: list[str]
    first_incident: dt.datetime
    last_incident: dt.datetime


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


async def serial_perpetrators(info: Info, years: int = 3) -> list[SerialPerpetratorEntry]:
    years = max(1, min(years, 10))
    found = await run_in_threadpool(serial.serial_perpetrators, info.context["access"], info.context["graph"], years)
    return [_entry(p) for p in found]


@strawberry.type(description="One perpetrator on the MATAC nomination list, with the RFG(V) breakdown.")
class Nomination:
    rank: int = strawberry.field(description="Rank in the whole list, before any filter.")
    person_id: strawberry.ID
    score: float
    recency: float = strawberry.field(description="Points for recency (config/rfg.yaml bands).")
    frequency: float
    gravity: float
    victims: float
    days_since_last: int
    incidents: int
    harm: float
    victim_count: int
    serial: bool = strawberry.field(description="Serial under the MATAC definition within the scoring window.")
    last_incident: dt.datetime
    records: list[RecordRef]
    districts: list[str]
    agencies: list[str]


@strawberry.type(description="The nomination list, and the configuration (its SHA-256) that scored it.")
class NominationList:
    config: str
    nominations: list[Nomination]


async def matac_nominations(
    info: Info, top: int = 20, area: str | None = None, agency: str | None = None
) -> NominationList:
    top = max(1, min(top, 500))
    digest, scores = await run_in_threadpool(
        partial(serial.nominations, info.context["access"], info.context["graph"], top=top, area=area, agency=agency)
    )
    return NominationList(
        config=digest,
        nominations=[
            Nomination(
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
            for s in scores
        ],
    )
