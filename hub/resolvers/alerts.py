"""Alerts, and their acknowledgement: audited before it takes effect."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from hub.access import alerts
from hub.access.alerts import Acknowledgement, Alert
from hub.schema.alerts import AlertAcknowledgement, AlertEntry, EncompassNotification
from hub.schema.serial import RecordRef


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
    event = alerts.acknowledgement_event(access, str(id), request.headers.get("traceparent"))
    if event is not None:  # the trail first: no trail, no change
        await request.app.state.audit_writer.record(event)
    return await run_in_threadpool(alerts.acknowledge_alert, access, info.context["graph"], str(id), note)
