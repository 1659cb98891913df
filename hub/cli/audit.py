"""``hub audit verify``: check that the audit trail (PostgreSQL at ``HUB_AUDIT_URL``, else SQLite) was not altered.

Exit codes: 0 intact, 1 tampered (the first bad position is named), 2 the trail cannot be opened or read.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from hub.audit import AuditUnavailable, Verification
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
