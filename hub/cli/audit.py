"""``hub audit verify``: check that the audit trail was not altered.

Exit codes: 0 intact, 1 tampered (the first bad position is named), 2 the trail cannot be opened or read.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from hub.audit import AuditUnavailable, Verification, open_audit_log
from hub.cli.common import dump_json, note
from hub.settings import Settings


def audit_paths(settings: Settings) -> tuple[Path, Path]:
    """The audit trail and its signing key under the data directory."""
    return settings.data_dir / "audit" / "audit.sqlite3", settings.data_dir / "secrets" / "audit-signing.key"


@click.group("audit")
def group() -> None:
    """The tamper-evident audit trail."""


@group.command("verify")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def verify(settings: Settings, fmt: str) -> None:
    """Check every event's hash, the chain's order and the signed checkpoints; name the first bad position."""
    path, key_path = audit_paths(settings)
    # never create a trail or a key here: a fresh key would make every existing signature look forged
    missing = next((p for p in (path, key_path) if not p.is_file()), None)
    if missing is not None:
        note(f"cannot verify the audit trail: {missing} does not exist")
        sys.exit(2)
    try:
        with open_audit_log(path, key_path) as log:
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
