"""The identity-provider port: turn an ``Authorization`` header into a principal, or refuse it."""

from __future__ import annotations

from abc import ABC, abstractmethod

from hub.auth.principal import Principal


class AuthenticationFailed(Exception):
    """Credentials were presented but are not acceptable. The reason is short and safe to log; never the token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProvider(ABC):
    @abstractmethod
    def authenticate(self, authorization_header: str | None) -> Principal | None:
        """The principal for the header; None when no credentials were presented.

        Raises AuthenticationFailed for anything presented that does not verify.
        """
