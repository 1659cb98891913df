"""``hub clients add``: register a partner system for the OAuth2 client credentials grant."""

from __future__ import annotations

import click

from hub.auth.clients import ClientRegistry, clients_path
from hub.cli.common import dump_json, note
from hub.settings import Settings


@click.group("clients")
def group() -> None:
    """OAuth2 clients (partner systems) of the embedded token endpoint."""


@group.command("add")
@click.option("--agency", required=True, help="agency code the client speaks for")
@click.option("--role", "roles", multiple=True, required=True, help="role (repeatable)")
@click.option("--purpose", "purposes", multiple=True, help="allowed purpose (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def add(settings: Settings, agency: str, roles: tuple[str, ...], purposes: tuple[str, ...], fmt: str) -> None:
    """Register a client; its secret is printed once and stored only as a salted hash."""
    client_id, secret = ClientRegistry(clients_path(settings.data_dir)).register(agency, roles, purposes)
    if fmt == "json":
        dump_json({"client_id": client_id, "client_secret": secret})
    else:
        click.echo(f"client_id      {client_id}\nclient_secret  {secret}")
    note("the secret is not stored in clear and cannot be shown again")
