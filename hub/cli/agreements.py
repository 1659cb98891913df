"""``hub agreements``: check, explain and compile the data-sharing agreements. Pure policy: never opens the graph.

Exit codes: ``check`` 0 valid (warnings on stderr), 1 invalid or an archived version was changed in place, 2 the
compiled policies do not validate or the archive cannot be written; ``explain`` 0 allowed, 1 denied, 2 no answer
(invalid agreements, unknown field); ``compile`` 0, or 2 when the agreements cannot be compiled.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.cli.common import dump_json, note
from hub.policy import Agreement, AgreementError, AgreementSet, Asker, Decider, explain_field, load_agreements
from hub.policy.archive import archive_versions
from hub.policy.catalogue import FIELDS
from hub.policy.cedar import PolicyCompileError, compile_agreements
from hub.settings import Settings

T = TypeVar("T")
EXPIRY_NOTICE = dt.timedelta(days=60)  # warn when an agreement in force ends this soon with no version after it

_dir = click.option(
    "--dir", "directory", type=click.Path(path_type=Path), default=None, help="default: HUB_AGREEMENTS_DIR"
)
_today = click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="decide as of this day")


@click.group("agreements")
def group() -> None:
    """The data-sharing agreements: check them, explain a decision, show the Cedar policies they compile to."""


def _load(directory: Path, exit_code: int) -> AgreementSet:
    try:
        return load_agreements(directory)
    except AgreementError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        note(f"{len(exc.problems)} problem(s) in the agreements in {directory}")
        sys.exit(exit_code)


def _compiled(build: Callable[[], T]) -> T:
    try:
        return build()
    except PolicyCompileError as exc:
        note(f"the compiled Cedar policies do not validate (a hub bug, not an agreement problem): {exc}")
        sys.exit(2)


@group.command("check")
@_dir
@_today
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-archive", is_flag=True, help="do not keep the versions in HUB_DATA_DIR/agreements-archive")
@click.pass_obj
def check(settings: Settings, directory: Path | None, today: dt.datetime | None, fmt: str, no_archive: bool) -> None:
    """Validate every agreement version, compile them to Cedar and list which are in force."""
    directory = directory or settings.agreements_dir
    day = today.date() if today else dt.date.today()
    agreements = _load(directory, 1)
    _compiled(lambda: compile_agreements(agreements))
    if not no_archive:
        try:
            problems = archive_versions(agreements, directory, settings.data_dir / "agreements-archive")
        except OSError as exc:
            note(f"cannot keep the agreement versions in {settings.data_dir / 'agreements-archive'}: {exc}")
            sys.exit(2)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            sys.exit(1)
    ordered = sorted(agreements.agreements, key=lambda a: (a.id, a.version))
    rows = [_row(agreements, a, day) for a in ordered]
    warnings = [w for a in ordered for w in _warnings(agreements, a, day)]
    for warning in warnings:
        note(f"warning: {warning}")
    if fmt == "json":
        dump_json({"directory": str(directory), "today": day.isoformat(), "agreements": rows, "warnings": warnings})
        return
    for row in rows:
        start, end = row["window"]
        purposes = ", ".join(row["purposes"])
        click.echo(f"{row['label']} ({row['file']}): {row['status']}, {start} until {end}: {row['state']}; {purposes}")
    live = sum(row["in_force"] for row in rows)
    click.echo(f"{len(rows)} agreement versions valid; {live} in force on {day.isoformat()}")


def _row(agreements: AgreementSet, a: Agreement, day: dt.date) -> dict[str, Any]:
    start, end = agreements.window(a)
    governs = any(g.id == a.id and g.version == a.version for g in agreements.in_force(day))
    if end <= start:
        state = "never in force: a later version replaced it before it took effect"
    elif day < start:
        state = "not yet in force"
    elif day >= end:
        state = "expired" if end == a.expires else "replaced by a later version"
    else:
        state = "in force" if a.status == "active" else f"{a.status}: governs and authorises nothing"
    return {
        "id": a.id,
        "version": a.version,
        "label": a.label,
        "file": a.file,
        "status": a.status,
        "effective_from": a.effective_from.isoformat(),
        "review_by": a.review_by.isoformat(),
        "expires": a.expires.isoformat(),
        "window": [start.isoformat(), end.isoformat()],
        "state": state,
        "in_force": governs and a.status == "active",
        "purposes": sorted(a.purposes),
        "digest": a.digest,
    }


def _warnings(agreements: AgreementSet, a: Agreement, day: dt.date) -> list[str]:
    if a.status != "active" or not any(g.id == a.id and g.version == a.version for g in agreements.in_force(day)):
        return []
    warnings = []
    if day > a.review_by:
        warnings.append(f"{a.label} ({a.file}) was due for review on {a.review_by.isoformat()}")
    end = agreements.window(a)[1]
    if end == a.expires and end - day <= EXPIRY_NOTICE:
        warnings.append(f"{a.label} ({a.file}) expires on {a.expires.isoformat()}, in {(end - day).days} days")
    return warnings


@group.command("explain")
@click.option("--agency", required=True, help="the asking agency")
@click.option("--role", "roles", multiple=True, required=True, help="the asker's role (repeatable)")
@click.option("--purpose", required=True, help="the declared purpose")
@click.option("--field", "key", required=True, help="entity.field, as agreements name it (person.dob)")
@click.option("--source", default=None, help="agency whose record holds the field (default: --agency)")
@click.option("--justification", default=None, help="the case or referral reference")
@_today
@_dir
@click.pass_obj
def explain(
    settings: Settings,
    agency: str,
    roles: tuple[str, ...],
    purpose: str,
    key: str,
    source: str | None,
    justification: str | None,
    today: dt.datetime | None,
    directory: Path | None,
) -> None:
    """Whether a field would be shared with this asker for this purpose, and why, in words."""
    if key not in FIELDS:
        note(f"unknown field {key!r}; the catalogue knows: {', '.join(FIELDS)}")
        sys.exit(2)
    agreements = _load(directory or settings.agreements_dir, 2)
    day = today.date() if today else dt.date.today()
    source = source or agency
    allowed, reasons = explain_field(
        agreements,
        agency=agency,
        roles=roles,
        purpose=purpose,
        field=key,
        source=source,
        justification=justification or "",
        today=day,
    )
    decider = _compiled(lambda: Decider(agreements))
    grant = decider.grant(Asker("cli:explain", agency, frozenset(roles)), purpose, justification, day)
    field = FIELDS[key]
    if grant.may_see(field.entity, field.name, source) != allowed:
        verdict = "allowed" if allowed else "denied"
        note(f"internal error: the explanation says {verdict} but Cedar decided otherwise; please report this")
        sys.exit(2)
    click.echo(f"{'ALLOWED' if allowed else 'DENIED'}: {key} from {source} to {agency} for {purpose} on {day}")
    for reason in reasons:
        click.echo(f"  - {reason}")
    sys.exit(0 if allowed else 1)


@group.command("compile")
@_dir
@click.pass_obj
def compile_(settings: Settings, directory: Path | None) -> None:
    """Print the Cedar policies the agreements compile to: exactly what the hub enforces."""
    agreements = _load(directory or settings.agreements_dir, 2)
    compiled = _compiled(lambda: compile_agreements(agreements))
    click.echo(compiled.text, nl=False)
