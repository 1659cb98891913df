"""Alerts under a request's grant: only the kinds the purpose's agreement lists, computed inside the request's scope
(sources, links, retention, a school's own pupils), so nothing the grant does not show triggers or evidences one; an
acknowledgement is read back only under the purpose it was made for."""

from __future__ import annotations

import datetime as dt

from graph.analytics.alerts import Acknowledgement, Alert, acknowledge, acknowledged, compute_alerts
from graph.store import Graph
from hub.access.context import Access, BadRequest, Forbidden
from hub.audit import AuditEvent
from hub.audit.requests import intent_event


def alerts_for(access: Access, graph: Graph, kinds: list[str] | None) -> list[tuple[Alert, Acknowledgement | None]]:
    access.require_records()
    grant, principal = access.grant, access.principal
    terms = grant.terms
    allowed = terms.alerts if terms is not None else frozenset()
    if not allowed:
        raise Forbidden((f"{grant.agreement_label} gives no alerts for {grant.purpose!r}",))
    wanted = sorted(allowed & set(kinds)) if kinds else sorted(allowed)
    own = [principal.agency] if principal is not None and terms is not None and terms.subject_scope != "any" else None
    found = compute_alerts(graph, access.scope, as_of=grant.today, kinds=wanted, school_agencies=own)
    if own is not None:
        found = [a for a in found if a.notification is not None and a.notification.school in own]
    acks = acknowledged(graph, [a.id for a in found], purpose=grant.purpose)
    for alert in found:
        access.saw(alert.person)
        for other in alert.related:
            access.saw(other)
    return [(a, acks.get(a.id)) for a in found]


def acknowledgement_event(access: Access, alert_id: str, traceparent: str | None) -> AuditEvent | None:
    """The audit event to make durable before an acknowledgement takes effect."""
    return intent_event(access, f"acknowledgement of alert {alert_id} requested", traceparent)


def acknowledge_alert(access: Access, graph: Graph, alert_id: str, note: str) -> bool:
    """Acknowledge an alert the caller can see now; the caller has made the audit event durable first."""
    if not note.strip() or len(note) > 1000:
        raise BadRequest("an acknowledgement needs a note (at most 1,000 characters)")
    visible = {alert.id for alert, _ in alerts_for(access, graph, None)}
    if alert_id not in visible:
        raise BadRequest("no such alert")
    principal = access.principal
    assert principal is not None
    purpose = access.grant.purpose
    assert purpose is not None  # a records grant names its purpose
    done = acknowledge(graph, alert_id, purpose=purpose, who=principal.subject, note=note, at=dt.datetime.now(dt.UTC))
    access.notes.append(f"alert {alert_id} {'acknowledged' if done else 'was already acknowledged'}")
    return done
