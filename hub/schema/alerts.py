"""Alerts for coordinators, analysts, DVDS officers and schools, as their purpose's agreement lists them."""

from __future__ import annotations

import datetime as dt

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
    school: str
    police_reference: str
    occurred_at: dt.datetime
    circumstances: str | None
    child_given_name: str | None
    child_family_name: str | None
    child_dob: dt.date | None


@strawberry.type(description="Who acknowledged an alert, when, and what was done.")
class AlertAcknowledgement:
    who: str
    at: dt.datetime
    note: str


@strawberry.type(
    description="An alert: Right to Know, repeat MARAC, an expiring order or an Operation Encompass "
    "notification. Its id is stable: the same facts always give the same alert."
)
class AlertEntry:
    id: strawberry.ID
    kind: str
    person_id: strawberry.ID = strawberry.field(description="The resolved person the alert is about.")
    raised_at: dt.datetime
    records: list[RecordRef] = strawberry.field(description="The records that evidence it.")
    summary: str
    related: list[strawberry.ID]
    notification: EncompassNotification | None
    acknowledged: AlertAcknowledgement | None


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


async def alert_list(info: Info, kinds: list[str] | None = None) -> list[AlertEntry]:
    found = await run_in_threadpool(alerts.alerts_for, info.context["access"], info.context["graph"], kinds)
    return [_entry(alert, ack) for alert, ack in found]


async def acknowledge_alert(info: Info, id: strawberry.ID, note: str) -> bool:
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
