"""``hub schema``: print the SDL, or check it against the checked-in contract (``schema.graphql``).

``check`` exits 0 when they match, 1 on an unreviewed additive (or dangerous, or description) change, 2 on a breaking
one; ``--write`` accepts the change by writing the live SDL to the contract file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.contract import CONTRACT, check, current_sdl


@click.group("schema")
def group() -> None:
    """The GraphQL schema contract."""


@group.command("print")
def print_() -> None:
    """Print the live schema's SDL (what `--write` would check in)."""
    click.echo(current_sdl(), nl=False)


@group.command("check")
@click.option("--write", is_flag=True, help="accept the change: write the live SDL to the contract file")
@click.option("--file", "path", type=click.Path(path_type=Path), default=CONTRACT, show_default=True)
def check_(write: bool, path: Path) -> None:
    """Compare the live schema with the contract: breaking changes apart from additive ones."""
    diff = check(path)
    click.echo(diff.report(path))
    if write and diff.changed:
        path.write_text(current_sdl(), encoding="utf-8")
        click.echo(f"wrote {path}")
    elif diff.changed:
        sys.exit(2 if diff.kind == "breaking" else 1)
