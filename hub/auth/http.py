"""HTTP adapters: the bearer-token gate in front of /graphql, the OAuth2 token endpoint and the JWKS document."""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import parse_qs, unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.auth.port import AuthenticationFailed
from hub.auth.services import AuthServices

log = logging.getLogger("hub.auth")

PRINCIPAL = "hub.principal"  # the ASGI scope key the gate fills in
AUTH_FAILURE = "hub.auth_failure"  # why the gate refused a token, for the audit trail
CLIENT_ATTEMPT = "hub.client_attempt"  # (client id named, why it failed) at /oauth/token, for the audit trail
MAX_FORM = 8192  # bytes of a token request: a grant type and a client's id and secret need far less


class BearerAuth:
    """Authenticate each HTTP request before the wrapped app sees it; a bad token never reaches GraphQL."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            auth: AuthServices = scope["app"].state.auth
            header = Request(scope).headers.get("authorization")
            try:
                # JWKS may be fetched over the network: keep it off the event loop
                scope[PRINCIPAL] = await run_in_threadpool(auth.provider.authenticate, header)
            except Exception as exc:  # fail closed: whatever a token does to the verifier, it is refused
                reason = exc.reason if isinstance(exc, AuthenticationFailed) else f"unverifiable ({type(exc).__name__})"
                if not isinstance(exc, AuthenticationFailed):  # a gap in the verifier: the type only, never the token
                    log.error("token verification failed unexpectedly: %s", type(exc).__name__)
                log.info("rejected bearer token: %s", reason)
                scope[AUTH_FAILURE] = reason
                response = JSONResponse(
                    {"error": "invalid_token"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)


def _oauth_error(error: str, status: int, **headers: str) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers={"Cache-Control": "no-store", **headers})


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded body RFC 6749 requires, parsed here (Starlette's form parser needs python-multipart)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    body = await request.body()  # at most MAX_FORM bytes: the route sits behind a BodyLimit
    try:
        pairs = parse_qs(body.decode("ascii"), strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    if any(len(values) > 1 for values in pairs.values()):  # RFC 6749 3.2: parameters must not repeat
        return None
    return {name: values[0] for name, values in pairs.items()}


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        # RFC 6749 2.3.1: both parts are form-urlencoded before being joined
        return (unquote_plus(client_id), unquote_plus(secret)) if sep else None
    form_id, form_secret = form.get("client_id"), form.get("client_secret")
    return (form_id, form_secret) if form_id is not None and form_secret is not None else None


async def token_endpoint(request: Request) -> Response:
    """RFC 6749 section 4.4: the client credentials grant, for partner systems; client authentication is throttled
    and bounded by ``hub.auth.guard``, and every failure is left in the scope for the audit trail."""
    auth: AuthServices = request.app.state.auth
    if auth.issuer is None:
        return _oauth_error("unsupported_grant_type", 400)
    form = await _form(request)
    if form is None:
        return _oauth_error("invalid_request", 400)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", 400)
    credentials = _client_credentials(request, form)
    if credentials is None:
        request.scope[CLIENT_ATTEMPT] = (None, "no client credentials")
        return _oauth_error("invalid_client", 401, **{"WWW-Authenticate": 'Basic realm="hub"'})
    address = request.client.host if request.client else "unknown"
    attempt = await auth.guard.authenticate(*credentials, address)
    if attempt.client is None:
        request.scope[CLIENT_ATTEMPT] = (credentials[0], attempt.failure)
        if attempt.retry_after is not None:
            error, status = ("temporarily_unavailable", 503) if attempt.busy else ("slow_down", 429)
            return _oauth_error(error, status, **{"Retry-After": str(attempt.retry_after)})
        return _oauth_error("invalid_client", 401, **{"WWW-Authenticate": 'Basic realm="hub"'})
    client = attempt.client
    ttl = min(900, auth.issuer.max_ttl)  # a quarter of an hour, within HUB_MAX_TOKEN_TTL
    token = auth.issuer.issue(
        subject=client.client_id,
        agency=client.agency,
        roles=client.roles,
        client_id=client.client_id,
        purposes=client.allowed_purposes,
        ttl=ttl,
    )
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": ttl},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def jwks_endpoint(request: Request) -> Response:
    auth: AuthServices = request.app.state.auth
    return JSONResponse(auth.issuer.jwks() if auth.issuer else {"keys": []})
