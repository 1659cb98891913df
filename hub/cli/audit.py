"""``hub audit``: the audit trail (PostgreSQL at ``HUB_AUDIT_URL``, else SQLite) from the command line.

``verify`` checks it was not altered (exit 0 intact, 1 tampered with the first bad position named, 2 unreadable);
``events`` and ``report`` read it for auditors, and are recorded in it themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click

from hub.audit import AuditEvent, AuditUnavailable, Verification
from hub.audit.config import key_path, open_settings_trail, sqlite_path
from hub.cli.common import dump_json, note
from hub.settings import Settings


def audit_paths(settings: Settings) -> tuple[Path, Path]:
    """The SQLite audit trail (the one used when ``HUB_AUDIT_URL`` is unset) and the signing key, in the data dir."""
    return sqlite_path(settings), key_path(settings)


@click.group("audit")
def group() -> None:
    """The tamper-evident audit trail."""


@group.command("verify")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def verify(settings: Settings, fmt: str) -> None:
    """Check every event's hash, the chain's order and the signed checkpoints; name the first bad position."""
    try:  # never create a trail or a key here: a fresh key would make every existing signature look forged
        with open_settings_trail(settings, create=False) as log:
            result = log.verify()
    except AuditUnavailable as exc:
        note(f"cannot verify the audit trail: {exc}")
        sys.exit(2)
    if fmt == "json":
        dump_json(dataclasses.asdict(result))
    else:
        click.echo(_describe(result))
    sys.exit(0 if result.ok else 1)


def _describe(result: Verification) -> str:
    if result.ok:
        return f"audit trail ok: {result.events} events, {result.checkpoints} checkpoints"
    return f"audit trail TAMPERED at position {result.first_bad}: {result.reason}"


def _when(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("an ISO date or date-time, e.g. 2026-11-01 or 2026-11-01T09:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@group.command("events")
@click.option("--person", help="resolved person id whose data was disclosed")
@click.option("--subject", help="who asked (token subject)")
@click.option("--agency", help="the asker's agency")
@click.option("--purpose", help="the declared purpose")
@click.option("--since", callback=_when, help="from this time (inclusive)")
@click.option("--until", callback=_when, help="before this time")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--after", type=int, help="only positions after this one (paging)")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.pass_obj
def events(settings: Settings, fmt: str, limit: int, after: int | None, **filters: Any) -> None:
    """Audit events matching every filter given, oldest first. Reading the trail is itself audited."""
    rows = _read(settings, "events", filters, limit=limit, after=after)
    for seq, event in rows:
        click.echo(_jsonl(seq, event) if fmt == "jsonl" else _line(seq, event))


@group.command("report")
@click.option("--person", required=True, help="resolved person id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def report(settings: Settings, person: str, fmt: str) -> None:
    """Subject access report: who accessed this person's data, when, under which agreement, and why."""
    rows = _read(settings, "report", {"person": person}, limit=None, after=None)
    if fmt == "json":
        dump_json({"person": person, "accesses": [{"position": s, **json.loads(e.to_json())} for s, e in rows]})
        return
    click.echo(f"subject access report for {person}: {len(rows)} accesses")
    for seq, e in rows:
        agreement = f"{e.agreement} v{e.agreement_version}" if e.agreement else "no agreement"
        click.echo(
            f"{seq:>8}  {e.at:%Y-%m-%d %H:%M} UTC  {e.subject} ({e.agency}) for {e.purpose or '-'} "
            f"under {agreement}, justification {e.justification or '-'}: {', '.join(e.fields) or 'no fields'}"
        )


def _read(
    settings: Settings, command: str, filters: dict[str, Any], *, limit: int | None, after: int | None
) -> list[tuple[int, AuditEvent]]:
    try:
        with open_settings_trail(settings, create=False) as log:
            rows: list[tuple[int, AuditEvent]] = []
            while limit is None or len(rows) < limit:
                page = log.query(**filters, limit=min(1000, limit - len(rows)) if limit else 1000, after_seq=after)
                rows += page
                if not page or (limit is None and len(page) < 1000):
                    break
                after = page[-1][0]
            person = filters.get("person")
            log.append([_cli_event(command, person)])  # whoever reads the trail is in it too
    except AuditUnavailable as exc:
        note(f"cannot read the audit trail: {exc}")
        sys.exit(2)
    return rows


def _cli_event(command: str, person: str | None) -> AuditEvent:
    return AuditEvent(
        at=dt.datetime.now(dt.UTC),
        subject=f"cli:{getpass.getuser()}",
        agency="operator",
        purpose="audit",
        decision="allow",
        reasons=(f"hub audit {command} on the command line",),
        persons=(person,) if person else (),
    )


def _jsonl(seq: int, event: AuditEvent) -> str:
    return json.dumps({"position": seq, **json.loads(event.to_json())}, sort_keys=True)


def _line(seq: int, e: AuditEvent) -> str:
    who = f"{e.subject} ({e.agency})"
    return f"{seq:>8}  {e.at:%Y-%m-%d %H:%M:%S}  {who:40} {e.purpose or '-':22} {e.decision:5}  {' '.join(e.persons)}"
