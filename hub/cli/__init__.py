"""The ``hub`` command. One module per command; each parses, calls a service and prints.

Exit codes: 0 success, 1 partial (e.g. some lines rejected), 2 failure (nothing could be done).
"""

from __future__ import annotations

import logging
import sys

import click

from graph.errors import GraphError
from hub.cli import (
    agreements,
    alerts,
    audit,
    clients,
    ingest,
    outcomes,
    resolve,
    schema,
    score,
    seed,
    serial,
    serve,
    stats,
    token,
)
from hub.settings import Settings, SettingsError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (GraphError, SettingsError) as exc:
            click.echo(f"hub: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(package_name="da-hub")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Multi-agency domestic abuse information-sharing hub.

    Runtime state lives in HUB_DATA_DIR (default .hub-data/ in the checkout). With NEO4J_URI set the
    hub uses that Neo4j; otherwise it runs an embedded ArcadeDB graph in the data directory.
    """
    ctx.obj = Settings.from_env()
    if ctx.invoked_subcommand != "serve":  # a command fails in one line: the driver's own logging would add more
        logging.getLogger("neo4j").addHandler(logging.NullHandler())


for command in (
    serve.command,
    seed.command,
    ingest.command,
    stats.command,
    resolve.command,
    serial.command,
    score.command,
    outcomes.command,
    alerts.group,
    audit.group,
    token.command,
    clients.group,
    agreements.group,
    schema.group,
):
    main.add_command(command)
