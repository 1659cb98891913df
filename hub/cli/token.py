"""``hub token``: a short-lived development token from the embedded issuer; the token alone on stdout."""

from __future__ import annotations

import getpass
import sys

import click

from hub.auth.issuer import SigningKeyUnusable
from hub.auth.services import embedded_issuer
from hub.cli.common import note
from hub.settings import Settings


@click.command("token")
@click.option("--agency", required=True, help="agency code the token speaks for")
@click.option("--role", "roles", multiple=True, required=True, help="role (repeatable)")
@click.option("--purpose", "purposes", multiple=True, help="purpose (repeatable; a single one is also declared)")
@click.option("--subject", default=None, help="subject (default: dev:<login name>)")
@click.option("--justification", default=None, help="why the access is needed (carried as hub_justification)")
@click.option(
    "--ttl",
    type=click.IntRange(min=1),
    default=900,
    show_default=True,
    help="lifetime in seconds, up to HUB_MAX_TOKEN_TTL",
)
@click.pass_obj
def command(
    settings: Settings,
    agency: str,
    roles: tuple[str, ...],
    purposes: tuple[str, ...],
    subject: str | None,
    justification: str | None,
    ttl: int,
) -> None:
    """Print a development bearer token signed by the hub's embedded issuer (nothing else on stdout)."""
    if ttl > settings.edge.token_ttl:
        raise click.BadParameter(
            f"{ttl} is over HUB_MAX_TOKEN_TTL ({settings.edge.token_ttl} s): the hub would refuse the token",
            param_hint="--ttl",
        )
    if not settings.auth_embedded:
        note("HUB_AUTH_EMBEDDED is false: the hub would not accept a token from its embedded issuer")
        sys.exit(2)
    try:
        issuer = embedded_issuer(settings)  # never opens the graph
    except SigningKeyUnusable as exc:
        note(str(exc))
        sys.exit(2)
    token = issuer.issue(
        subject=subject or f"dev:{getpass.getuser()}",
        agency=agency,
        roles=roles,
        purposes=purposes,
        ttl=ttl,
        justification=justification,
    )
    note(f"token for agency {agency}, roles {', '.join(sorted(set(roles)))}, valid {ttl}s (issuer {issuer.issuer})")
    click.echo(token)
