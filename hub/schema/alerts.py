"""Alerts for coordinators, analysts, DVDS officers and schools, as their purpose's agreement lists them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from graph.analytics.alerts import Acknowledgement, Alert
from hub.access import alerts
from hub.audit import AuditEvent
from hub.audit.requests import trace_id
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


def _entry(alert: Alert, ack: Acknowledgement | None) -> AlertEntry:
    n = alert.notification
    return AlertEntry(
        id=strawberry.ID(alert.id),
        kind=alert.kind,
        person_id=strawberry.ID(alert.person),
        raised_at=alert.raised_at,
        records=[RecordRef(agency=a, local_id=lid) for a, lid in alert.records],
        summary=alert.summary,
        related=[strawberry.ID(p) for p in alert.related],
        notification=None
        if n is None
        else EncompassNotification(
            school=n.school,
            police_reference=n.police_reference,
            occurred_at=n.occurred_at,
            circumstances=n.circumstances,
            child_given_name=n.child_given_name,
            child_family_name=n.child_family_name,
            child_dob=n.child_dob,
        ),
        acknowledged=None if ack is None else AlertAcknowledgement(who=ack.who, at=ack.at, note=ack.note),
    )


async def alert_list(
    info: Info,
    kinds: Annotated[
        list[str] | None, strawberry.argument(description="Only these kinds (default: every kind the purpose gets).")
    ] = None,
) -> list[AlertEntry]:
    found = await run_in_threadpool(alerts.alerts_for, info.context["access"], info.context["graph"], kinds)
    return [_entry(alert, ack) for alert, ack in found]


async def acknowledge_alert(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The alert's id.")],
    note: Annotated[str, strawberry.argument(description="What was done about it.")],
) -> bool:
    """True when this call acknowledged it; false when someone had already."""
    access, request = info.context["access"], info.context["request"]
    principal = access.principal
    if principal is not None:  # audit the change before it is made: no trail, no change
        event = AuditEvent(
            at=dt.datetime.now(dt.UTC),
            subject=principal.subject,
            agency=principal.agency,
            client=principal.client_id,
            roles=tuple(sorted(principal.roles)),
            purpose=access.purpose,
            decision="allow",
            reasons=(f"acknowledgement of alert {id} requested",),
            trace_id=trace_id(request.headers.get("traceparent")),
        )
        await request.app.state.audit_writer.record(event)
    return await run_in_threadpool(alerts.acknowledge_alert, access, info.context["graph"], str(id), note)
