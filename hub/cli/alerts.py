"""``hub alerts``: the alerts for coordinators (Right to Know, repeat MARAC, expiring orders, Operation Encompass),
and ``hub alerts ack``, which records an acknowledgement and audits it."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys

import click

from graph.analytics.alerts import KINDS, acknowledge, acknowledged, compute_alerts
from graph.scope import Scope
from hub.audit import AuditEvent, AuditUnavailable
from hub.audit.config import open_settings_trail
from hub.cli.common import graph_for, note
from hub.settings import Settings


@click.group("alerts", invoke_without_command=True)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="the day to compute for (default today)")
@click.option("--kind", "kinds", type=click.Choice(KINDS), multiple=True, help="only this kind (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.pass_context
def group(ctx: click.Context, as_of: dt.datetime | None, kinds: tuple[str, ...], fmt: str) -> None:
    """List the alerts as of a day, with their acknowledgements."""
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    day = as_of.date() if as_of else dt.datetime.now(dt.UTC).date()
    with graph_for(settings) as graph:
        alerts = compute_alerts(graph, Scope.everything(), as_of=day, kinds=kinds or None)
        acks = acknowledged(graph, [a.id for a in alerts], purpose=None)
    for alert in alerts:
        ack = acks.get(alert.id)
        if fmt == "jsonl":
            acked = None if ack is None else {"who": ack.who, "at": ack.at.isoformat(), "note": ack.note}
            click.echo(json.dumps(alert.to_json() | {"acknowledged": acked}, sort_keys=True))
        else:
            state = f"acknowledged by {ack.who}" if ack else "open"
            when = f"{alert.raised_at:%Y-%m-%d}"
            click.echo(f"{alert.id}  {when}  {alert.kind:20} {alert.person}  {alert.summary}  [{state}]")
    note(f"{len(alerts)} alerts as of {day}, {sum(1 for a in alerts if a.id in acks)} acknowledged")


@group.command("ack")
@click.argument("alert_id")
@click.option("--note", "text", required=True, help="what was done about it")
@click.option(
    "--purpose",
    default="operator",
    show_default=True,
    help="the purpose it is made for: the note is shown over GraphQL only to callers acting for that purpose",
)
@click.pass_obj
def ack(settings: Settings, alert_id: str, text: str, purpose: str) -> None:
    """Acknowledge an alert (the first acknowledgement per purpose stands). Audited; exit 1 if it already was."""
    who = f"cli:{getpass.getuser()}"
    now = dt.datetime.now(dt.UTC)
    event = AuditEvent(
        at=now,
        subject=who,
        agency="operator",
        purpose=purpose,
        decision="allow",
        reasons=(f"acknowledgement of alert {alert_id} requested: {text}",),
    )
    try:  # audit before the acknowledgement takes effect: no trail, no change
        with open_settings_trail(settings) as log:
            log.append([event])
    except AuditUnavailable as exc:
        note(f"cannot audit the acknowledgement, nothing changed: {exc}")
        sys.exit(2)
    with graph_for(settings) as graph:
        done = acknowledge(graph, alert_id, purpose=purpose, who=who, note=text, at=now)
    click.echo(f"{alert_id}: {'acknowledged' if done else 'was already acknowledged'}")
    sys.exit(0 if done else 1)
