"""Alerts for coordinators, analysts, DVDS officers and schools, as their purpose's agreement lists them."""

from __future__ import annotations

import datetime as dt

import strawberry

from hub.schema.serial import RecordRef


@strawberry.type(description="An Operation Encompass notification: only the fields the statutory guidance lists.")
class EncompassNotification:
    school: str = strawberry.field(description="The code of the school's agency.")
    police_reference: str = strawberry.field(description="The police reference of the incident.")
    occurred_at: dt.datetime = strawberry.field(description="When the incident happened.")
    circumstances: str | None = strawberry.field(description="The brief circumstances (the incident's category).")
    child_given_name: str | None = strawberry.field(description="The child's given name, as the school holds it.")
    child_family_name: str | None = strawberry.field(description="The child's family name, as the school holds it.")
    child_dob: dt.date | None = strawberry.field(description="The child's date of birth, as the school holds it.")


@strawberry.type(description="Who acknowledged an alert, when, and what was done.")
class AlertAcknowledgement:
    who: str = strawberry.field(description="Who acknowledged it (the token's subject).")
    at: dt.datetime = strawberry.field(description="When.")
    note: str = strawberry.field(description="What was done, in the acknowledger's words.")


@strawberry.type(
    description="An alert: Right to Know, repeat MARAC, an expiring order or an Operation Encompass "
    "notification. Its id is stable: the same facts always give the same alert."
)
class AlertEntry:
    id: strawberry.ID = strawberry.field(description="The alert's stable id.")
    kind: str = strawberry.field(description="right_to_know, repeat_marac, order_expiring or operation_encompass.")
    person_id: strawberry.ID = strawberry.field(description="The resolved person the alert is about.")
    raised_at: dt.datetime = strawberry.field(description="When the facts behind it arose.")
    records: list[RecordRef] = strawberry.field(description="The records that evidence it.")
    summary: str = strawberry.field(description="What the alert says, in words.")
    related: list[strawberry.ID] = strawberry.field(description="Other resolved people it concerns.")
    notification: EncompassNotification | None = strawberry.field(
        description="For Operation Encompass: the notification for the school; null for other kinds."
    )
    acknowledged: AlertAcknowledgement | None = strawberry.field(
        description="The acknowledgement, once someone has acknowledged it; the first one stands."
    )
