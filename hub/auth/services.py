"""The composition of the authentication parts, built once at app start from settings."""

from __future__ import annotations

from dataclasses import dataclass

from hub.auth.clients import ClientRegistry, clients_path
from hub.auth.guard import ClientGuard
from hub.auth.issuer import EmbeddedIssuer, signing_key_path
from hub.auth.jwt import JwtIdentityProvider
from hub.settings import Settings


@dataclass(frozen=True)
class AuthServices:
    provider: JwtIdentityProvider
    issuer: EmbeddedIssuer | None  # None when only external issuers are trusted
    clients: ClientRegistry
    guard: ClientGuard  # client authentication at /oauth/token: throttled, bounded, off the event loop


def embedded_issuer(settings: Settings) -> EmbeddedIssuer:
    return EmbeddedIssuer(
        signing_key_path(settings.data_dir), audience=settings.auth_audience, max_ttl=settings.edge.token_ttl
    )


def build_auth(settings: Settings) -> AuthServices:
    issuer = embedded_issuer(settings) if settings.auth_embedded else None
    trusted = [*settings.auth_issuers, *([issuer.trusted()] if issuer else [])]
    provider = JwtIdentityProvider(trusted, audience=settings.auth_audience, max_ttl=settings.edge.token_ttl)
    clients = ClientRegistry(clients_path(settings.data_dir))
    guard = ClientGuard(clients, failures=settings.edge.auth_failures, concurrency=settings.edge.auth_concurrency)
    return AuthServices(provider=provider, issuer=issuer, clients=clients, guard=guard)
