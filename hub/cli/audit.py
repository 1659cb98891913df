"""``hub audit``: the audit trail (PostgreSQL at ``HUB_AUDIT_URL``, else SQLite) from the command line.

``verify`` checks it was not altered (exit 0 intact, 1 tampered with the first bad position named, 2 unreadable), and
with ``--checkpoint`` that it extends signed tree heads kept elsewhere; ``checkpoint`` writes the current signed tree
head; ``events`` and ``report`` read it for auditors, and are recorded in it themselves; ``prove`` checks a report
offline, with nothing but the report, a public key or a checkpoint, and no access to the hub.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from hub.audit import AuditEvent, AuditLog, AuditUnavailable, Verification
from hub.audit.config import key_path, open_settings_trail, sqlite_path
from hub.audit.heads import HeadError, TreeHead, load_heads
from hub.audit.reports import ReportError, build_report, check_report
from hub.audit.signing import VerifyKey
from hub.cli.common import dump_json, note
from hub.settings import Settings


def audit_paths(settings: Settings) -> tuple[Path, Path]:
    """The SQLite audit trail (the one used when ``HUB_AUDIT_URL`` is unset) and the signing key, in the data dir."""
    return sqlite_path(settings), key_path(settings)


@click.group("audit")
def group() -> None:
    """The tamper-evident audit trail."""


@group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="a signed tree head kept outside the hub (hub audit checkpoint), or a witness directory of them: the trail "
    "must extend each consistently. Repeatable.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def verify(settings: Settings, checkpoints: tuple[Path, ...], fmt: str) -> None:
    """Check every event's hash, the chain's order, the signed checkpoints and the Merkle tree; name the first bad
    position. With --checkpoint, also catch a trail rolled back, wiped, cut, replaced or rewritten and re-signed."""
    try:
        heads = [named for path in checkpoints for named in load_heads(path)]
    except HeadError as exc:
        note(f"cannot read the checkpoint: {exc}")
        sys.exit(2)
    try:  # never create a trail or a key here: a fresh key would make every existing signature look forged
        with open_settings_trail(settings, create=False) as log:
            result = log.verify(heads)
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
        heads = f"{result.heads} signed tree head{'s' if result.heads > 1 else ''}"
        extended = f", consistent with {heads} kept outside it" if result.heads else ""
        return f"audit trail ok: {result.events} events, {result.checkpoints} checkpoints{extended}"
    if result.first_bad is None:
        return f"audit trail TAMPERED: {result.reason}"
    return f"audit trail TAMPERED at position {result.first_bad}: {result.reason}"


@group.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write it here (default: stdout)")
@click.pass_obj
def checkpoint(settings: Settings, out: Path | None) -> None:
    """Write the current signed tree head (size, root hash, time, key id, signature) as JSON: keep it outside the
    hub, and later `hub audit verify --checkpoint FILE` proves the trail still extends it."""
    try:
        with open_settings_trail(settings, create=False) as log:
            head = log.tree_head()
            valid = head is not None and log.public_key.verify_head(head)
    except AuditUnavailable as exc:
        note(f"cannot read the audit trail: {exc}")
        sys.exit(2)
    if head is None:
        note("the audit trail has no signed tree head yet: it holds no events")
        sys.exit(2)
    if not valid:
        note("the stored tree head's signature is not valid: run hub audit verify")
        sys.exit(1)
    if out is None:
        click.echo(head.dumps(), nl=False)
        return
    try:
        out.write_text(head.dumps(), encoding="utf-8")
    except OSError as exc:
        note(f"cannot write {out}: {exc.strerror or exc}")
        sys.exit(2)
    note(f"signed tree head at size {head.size} written to {out}")


@group.command("public-key")
@click.pass_obj
def public_key(settings: Settings) -> None:
    """Print the trail's public key (PEM), which verifies its signed tree heads, and its key id."""
    try:
        with open_settings_trail(settings, create=False) as log:
            key = log.public_key
    except AuditUnavailable as exc:
        note(f"cannot read the audit trail: {exc}")
        sys.exit(2)
    click.echo(key.pem().decode("ascii"), nl=False)
    note(f"key id {key.key_id}")


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
@click.option(
    "--checkpoint",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a signed tree head the reader holds: the report then proves that its own head extends it",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def report(settings: Settings, person: str, checkpoint: Path | None, fmt: str) -> None:
    """Subject access report: who accessed this person's data, when, under which agreement, and why; each access with
    its inclusion proof against a signed tree head (--format json), which `hub audit prove` checks offline."""
    since = _checkpoint(checkpoint).size if checkpoint else None
    document: dict[str, Any] = {}

    def prove(log: AuditLog, rows: list[tuple[int, AuditEvent]]) -> None:
        document.update(build_report(log, person, rows, consistency_from=since))

    try:
        rows = _read(settings, "report", {"person": person}, limit=None, after=None, then=prove)
    except ValueError as exc:  # a checkpoint from beyond this trail's head
        note(f"cannot prove the report: {exc}")
        sys.exit(1)
    if fmt == "json":
        dump_json(document)
        return
    head = TreeHead.from_json(document["head"])
    click.echo(f"subject access report for {person}: {len(rows)} accesses")
    click.echo(
        f"proven against the signed tree head of size {head.size} (root {head.root.hex()[:16]}…, "
        f"signed {head.timestamp}, key id {head.key_id[:16]}…); --format json gives the proofs"
    )
    for seq, e in rows:
        agreement = f"{e.agreement} v{e.agreement_version}" if e.agreement else "no agreement"
        click.echo(
            f"{seq:>8}  {e.at:%Y-%m-%d %H:%M} UTC  {e.subject} ({e.agency}) for {e.purpose or '-'} "
            f"under {agreement}, justification {e.justification or '-'}: {', '.join(e.fields) or 'no fields'}"
        )


@group.command("prove")
@click.argument("report_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "pem",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the trail's public key (PEM, from hub audit public-key), obtained apart from the report",
)
@click.option(
    "--checkpoint",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a signed tree head you hold: its key id names the key to trust, and the report must extend it",
)
def prove(report_file: Path, pem: Path | None, checkpoint: Path | None) -> None:
    """Check a subject access report (hub audit report --format json) offline: each event's leaf hash recomputed from
    its content, each inclusion proof against the report's signed head, the head's signature, and with --checkpoint
    the consistency between them. Needs no access to the hub. Exit 0 proven, 1 not, 2 unreadable."""
    if pem is None and checkpoint is None:
        note("give --public-key or --checkpoint: without a key you trust, a report proves nothing")
        sys.exit(2)
    try:
        key = VerifyKey.from_pem(pem.read_bytes()) if pem else None
        held = _checkpoint(checkpoint) if checkpoint else None
        checked = check_report(json.loads(report_file.read_text(encoding="utf-8")), public_key=key, checkpoint=held)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:  # ReportError is a ValueError
        reason = str(exc) if isinstance(exc, ReportError) or not isinstance(exc, OSError) else exc.strerror
        note(f"cannot read {report_file}: {reason}")
        sys.exit(2)
    head = checked.head
    what = f"{checked.accesses} accesses to {checked.person}'s data, signed tree head of size {head.size}"
    if checked.problems:
        click.echo(f"report NOT proven ({what}):")
        for problem in checked.problems:
            click.echo(f"  - {problem}")
        sys.exit(1)
    click.echo(
        f"report proven: {what} signed {head.timestamp} by key {head.key_id[:16]}…; every access is in the trail"
        + "".join(f"; {note_}" for note_ in checked.notes)
    )


def _checkpoint(path: Path) -> TreeHead:
    try:
        return TreeHead.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, HeadError) as exc:
        note(f"cannot read the checkpoint {path}: {exc}")
        sys.exit(2)


def _read(
    settings: Settings,
    command: str,
    filters: dict[str, Any],
    *,
    limit: int | None,
    after: int | None,
    then: Callable[[AuditLog, list[tuple[int, AuditEvent]]], None] | None = None,
) -> list[tuple[int, AuditEvent]]:
    try:
        with open_settings_trail(settings, create=False, publish=True) as log:
            rows: list[tuple[int, AuditEvent]] = []
            while limit is None or len(rows) < limit:
                page = log.query(**filters, limit=min(1000, limit - len(rows)) if limit else 1000, after_seq=after)
                rows += page
                if not page or (limit is None and len(page) < 1000):
                    break
                after = page[-1][0]
            person = filters.get("person")
            log.append([_cli_event(command, person)])  # whoever reads the trail is in it too
            if then is not None:
                then(log, rows)
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
