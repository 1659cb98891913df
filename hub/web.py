"""The analyst workspace (``/ui``) and GraphiQL, both served from the page build in ``ui/dist`` (``HUB_UI_DIR``).

The page is static: it talks to the hub only through ``/graphql`` with the analyst's own token, so the policy holds by
construction and every view is audited like any other request. Nothing here reads partner data.

    /ui, /ui/           the workspace (``index.html``): never cached, so a new build shows at once
    /ui/assets/...      hashed files from the build: cached for a year, gzipped when the browser takes it
    GET /graphql        in a browser, GraphiQL from the same build (``graphiql.html``), development mode only
    /ui/dev/callers     development mode, from loopback only: the demo agencies and the roles agreements give them
    /ui/dev/token       development mode, from loopback only: a token from the embedded issuer for one of them

Both pages carry a Content-Security-Policy that lets nothing load from, or be sent to, anywhere but the hub: a
partnership's closed network shows the same page as a laptop, and an injected script could not call home.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, request_response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from hub.body_limit import BodyLimit
from hub.settings import Settings

log = logging.getLogger("hub.web")

PAGE = "index.html"
GRAPHIQL = "graphiql.html"
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_IMMUTABLE = "public, max-age=31536000, immutable"
DEV_TOKEN_TTL = 3600
DEV_TOKEN_BODY = 1024  # bytes: an agency code and a role


def not_built(ui_dir: Path, page: str) -> HTMLResponse:
    body = (
        f"<!doctype html><title>Not built</title><h1>The page is not built</h1><p>{page} is not in {ui_dir}. "
        "Build it with <code>make ui</code> (Node.js 20 and npm), or set HUB_UI_DIR to a build.</p>"
    )
    return HTMLResponse(body, status_code=503, headers=HEADERS)


def page_response(ui_dir: Path, page: str) -> Response:
    path = ui_dir / page
    if not path.is_file():
        return not_built(ui_dir, page)
    return FileResponse(path, media_type="text/html; charset=utf-8", headers=HEADERS)


class _Assets:
    """The build's hashed files, gzipped on the way out and cached for good (their names change with content)."""

    def __init__(self, directory: Path) -> None:
        self._files = GZipMiddleware(StaticFiles(directory=directory, check_dir=False), minimum_size=512)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message["headers"] = [*message["headers"], (b"cache-control", _IMMUTABLE.encode())]
                message["headers"].append((b"x-content-type-options", b"nosniff"))
            await send(message)

        await self._files(scope, receive, cached)


def _from_loopback(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _dev_only(request: Request) -> Response | None:
    """None when a development helper may answer; else the 404 a route that does not exist gives."""
    settings: Settings = request.app.state.settings
    if settings.production or not settings.auth_embedded or not _from_loopback(request):
        return JSONResponse({"error": "not found"}, status_code=404)
    return None


def _callers(request: Request) -> list[dict[str, object]]:
    """Agency -> name and roles, from the agreements in force today: the callers a demo can sign in as."""
    agreements = request.app.state.policy.current().agreements
    found: dict[str, dict[str, object]] = {}
    for agreement in agreements.in_force(dt.datetime.now(dt.UTC).date()):
        for purpose in agreement.purposes.values():
            for agency, roles in purpose.recipients.items():
                party = agreement.parties.get(agency)
                entry = found.setdefault(agency, {"agency": agency, "name": party.name if party else agency})
                entry["roles"] = sorted({*entry.get("roles", ()), *roles})  # type: ignore[misc]
    return [found[agency] for agency in sorted(found)]


async def dev_callers(request: Request) -> Response:
    return _dev_only(request) or JSONResponse({"callers": _callers(request)}, headers={"Cache-Control": "no-store"})


async def dev_token(request: Request) -> Response:
    refused = _dev_only(request)
    if refused is not None:
        return refused
    try:
        asked = await request.json()
        agency, role = asked["agency"], asked["role"]
        if not isinstance(agency, str) or not isinstance(role, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": 'send JSON {"agency": ..., "role": ...}'}, status_code=400)
    known = next((c for c in _callers(request) if c["agency"] == agency), None)
    if known is None or role not in known["roles"]:  # type: ignore[operator]
        return JSONResponse({"error": f"no agreement in force gives agency {agency!r} the role {role!r}"}, 400)
    settings: Settings = request.app.state.settings
    ttl = min(DEV_TOKEN_TTL, settings.edge.token_ttl)
    token = request.app.state.auth.issuer.issue(subject=f"dev:ui-{role}@{agency}", agency=agency, roles=[role], ttl=ttl)
    log.info("development token issued to the page for %s as %s", agency, role)
    body = {"access_token": token, "token_type": "Bearer", "expires_in": ttl}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _too_large(limit: int) -> Response:
    return JSONResponse({"error": f"a token request is at most {limit} bytes"}, status_code=413)


def ui_routes(settings: Settings) -> list[BaseRoute]:
    ui_dir = settings.ui_dir

    async def page(_: Request) -> Response:
        return page_response(ui_dir, PAGE)

    return [
        Route("/ui", page),
        Route("/ui/", page),
        Route("/ui/dev/callers", dev_callers, methods=["GET"]),
        Route("/ui/dev/token", BodyLimit(request_response(dev_token), DEV_TOKEN_BODY, _too_large), methods=["POST"]),
        Mount("/ui/assets", app=_Assets(ui_dir / "assets")),
    ]
