"""``hub serve``: the API over HTTP (uvicorn).

The port is bound before anything else starts, so a port in use is one line and exit 3 (the README's exit codes), not
a traceback after the graph has started; the banner is printed once the server accepts connections, so whatever
reads it (a person, a script waiting for the address) can use the addresses at once.

``--workers N`` (N > 1) runs N worker processes on the one bound socket under uvicorn's supervisor
(``hub.cli.workers``), which restarts a worker that dies. The hub keeps no state of its own between requests beyond
caches (docs/replicas.md), so workers, and separate ``hub serve`` processes, share the graph and the audit trail.
"""

from __future__ import annotations

import errno
import socket
import sys
from typing import Any

import click
import uvicorn

from hub.app import create_app
from hub.settings import Settings, SettingsError
from hub.telemetry import TelemetryError, configure, log_config

PORT_IN_USE = 3  # exit code


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, as uvicorn would make it; OSError when the address is taken or invalid."""
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = info[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
        sock.bind(address)
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def banner(settings: Settings, host: str, port: int, engine: str) -> str:
    base = f"http://{host}:{port}"
    lines = [
        f"hub: serving on {base}",
        f"  {'GraphQL API (production)' if settings.production else 'GraphQL API and GraphiQL':<26}{base}/graphql",
        f"  analyst workspace         {base}/ui",
        f"  health / readiness        {base}/healthz  {base}/readyz",
    ]
    if not settings.production:
        lines += [
            "  sign in on the page       pick a demo agency and role (development mode)",
            "  or a token for GraphiQL   .venv/bin/hub token --agency cleveland-police --role matac-analyst",
            "  then declare a purpose    headers X-Purpose: matac-tasking, X-Justification: MATAC-0001",
        ]
    lines += [
        f"  OAuth2 token endpoint     {base}/oauth/token (client credentials; hub clients add)",
        f"  graph                     {engine} (data in {settings.data_dir})",
    ]
    return "\n".join(lines)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: Any) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:  # the lifespan (graph, audit trail, agreements) is up and the socket is served
            self._announce()


@click.command("serve")
@click.option("--host", default=None, help="address to bind (default HUB_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default HUB_PORT or 8000)")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    envvar="HUB_WORKERS",
    show_default=True,
    help="worker processes sharing the port, the graph and the audit trail (HUB_WORKERS)",
)
@click.pass_obj
def command(settings: Settings, host: str | None, port: int | None, workers: int) -> None:
    """Serve the hub: /graphql (GraphiQL in a browser), /ui (the analyst workspace), /healthz, /readyz.

    Exit 2 on a bad setting, 3 when the port is in use."""
    refusal = settings.audit_key_refusal()  # production: the trail's key must not sit beside the trail
    if refusal:
        raise SettingsError(refusal)
    host = host or settings.host
    port = settings.port if port is None else port
    try:
        sock = bind(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            click.echo(
                f"hub: port {port} on {host} is already in use: stop what holds it, or choose another port "
                f"with HUB_PORT=<port> or hub serve --port <port>",
                err=True,
            )
            sys.exit(PORT_IN_USE)
        message = f"cannot listen on {host}:{port} ({exc.strerror or exc}): check HUB_HOST / --host"
        raise click.UsageError(message) from exc
    if workers > 1:
        from hub.cli.workers import supervise  # deferred: only a supervisor needs it

        supervise(settings, sock, workers, lambda engine: click.echo(banner(settings, host, port, engine), err=True))
        return
    try:
        telemetry = configure()  # the OTEL_* variables; the app flushes it when serving ends
    except TelemetryError as exc:
        sock.close()
        raise click.UsageError(str(exc)) from exc
    app = create_app(settings, telemetry=telemetry)

    def announce() -> None:
        click.echo(banner(settings, host, port, app.state.graph.engine), err=True)

    config = uvicorn.Config(app, log_level="warning", log_config=log_config())
    _Server(config, announce).run(sockets=[sock])
