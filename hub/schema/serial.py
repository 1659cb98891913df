"""The MATAC serial perpetrator list and nomination list, with provenance: every person carries its resolved id and
its records."""

from __future__ import annotations

import datetime as dt

import strawberry


@strawberry.type(description="One agency's record of a person: where the resolved person comes from.")
class RecordRef:
    agency: str = strawberry.field(description="The code of the agency that holds the record.")
    local_id: str = strawberry.field(description="The agency's own reference for the record.")


@strawberry.type(description="A victim of a serial perpetrator, in the order the abuse began.")
class SerialVictim:
    person_id: strawberry.ID = strawberry.field(description="The victim's resolved person id.")
    records: list[RecordRef] = strawberry.field(description="The victim's records the caller may see.")
    first_incident: dt.datetime = strawberry.field(description="When the first incident against them happened.")
    last_incident: dt.datetime = strawberry.field(description="When the last incident against them happened.")
    incidents: int = strawberry.field(description="How many incidents against them the caller's grant covers.")
    agencies: list[str] = strawberry.field(
        description="The agencies whose incidents name them (those the caller may see)."
    )


@strawberry.type(
    description="A person aged 16+ recorded as suspect or offender on more than one domestic abuse "
    "incident against two or more victims in the look-back (MATAC)."
)
class SerialPerpetratorEntry:
    person_id: strawberry.ID = strawberry.field(description="The perpetrator's resolved person id.")
    records: list[RecordRef] = strawberry.field(description="The perpetrator's records the caller may see.")
    victims: list[SerialVictim] = strawberry.field(description="The victims, in the order the abuse began.")
    incidents: int = strawberry.field(description="How many incidents in the look-back name them as perpetrator.")
    agencies: list[str] = strawberry.field(description="The agencies that know them (those the caller may see).")
    first_incident: dt.datetime = strawberry.field(description="When the first incident in the look-back happened.")
    last_incident: dt.datetime = strawberry.field(description="When the last incident in the look-back happened.")


@strawberry.type(description="One perpetrator on the MATAC nomination list, with the RFG(V) breakdown.")
class Nomination:
    rank: int = strawberry.field(description="Rank in the whole list, before any filter.")
    person_id: strawberry.ID = strawberry.field(description="The perpetrator's resolved person id.")
    score: float = strawberry.field(description="The RFG(V) score: each factor's points times its weight, summed.")
    recency: float = strawberry.field(description="Points for recency (config/rfg.yaml bands).")
    frequency: float = strawberry.field(description="Points for frequency (how many incidents in the window).")
    gravity: float = strawberry.field(description="Points for gravity (the incidents' harm).")
    victims: float = strawberry.field(description="Points for the number of distinct victims.")
    days_since_last: int = strawberry.field(description="Days from the last incident to today.")
    incidents: int = strawberry.field(description="Incidents in the scoring window.")
    harm: float = strawberry.field(description="The harm the gravity points were given for.")
    victim_count: int = strawberry.field(description="Distinct victims in the scoring window.")
    serial: bool = strawberry.field(description="Serial under the MATAC definition within the scoring window.")
    last_incident: dt.datetime = strawberry.field(description="When the last incident happened.")
    records: list[RecordRef] = strawberry.field(description="The perpetrator's records the caller may see.")
    districts: list[str] = strawberry.field(description="Postcode districts on their records, where shared.")
    agencies: list[str] = strawberry.field(description="The agencies that know them (those the caller may see).")


@strawberry.type(description="The nomination list, and the configuration (its SHA-256) that scored it.")
class NominationList:
    config: str = strawberry.field(description="SHA-256 of the RFG configuration (config/rfg.yaml) that scored it.")
    nominations: list[Nomination] = strawberry.field(description="The nominations, highest score first.")
