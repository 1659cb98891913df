"""Authentication: bearer JWTs verified against trusted issuers, mapped to a :class:`Principal`.

Errors: :class:`AuthenticationFailed` (a bad token; its reason is safe to log, never the token) is the only exception
the provider raises to callers; JOSE and HTTP errors are translated at the boundary in :mod:`hub.auth.jwt`.
"""

from hub.auth.port import AuthenticationFailed, IdentityProvider
from hub.auth.principal import Principal
from hub.auth.trust import TrustedIssuer

__all__ = ["AuthenticationFailed", "IdentityProvider", "Principal", "TrustedIssuer"]
