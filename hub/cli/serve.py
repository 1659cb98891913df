"""``hub serve``: the API over HTTP (uvicorn)."""

from __future__ import annotations

import click
import uvicorn

from graph.store import Graph
from hub.app import create_app
from hub.settings import Settings, SettingsError
from hub.telemetry import TelemetryError, configure, log_config


@click.command("serve")
@click.option("--host", default=None, help="address to bind (default HUB_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default HUB_PORT or 8000)")
@click.pass_obj
def command(settings: Settings, host: str | None, port: int | None) -> None:
    """Serve the hub: /graphql (GraphiQL in a browser), /healthz, /readyz."""
    refusal = settings.audit_key_refusal()  # production: the trail's key must not sit beside the trail
    if refusal:
        raise SettingsError(refusal)
    host = host or settings.host
    port = settings.port if port is None else port

    def ready(graph: Graph) -> None:
        base = f"http://{host}:{port}"
        click.echo(
            f"hub: serving on {base}\n"
            f"  {'GraphQL API (production)' if settings.production else 'GraphQL API and GraphiQL':<26}{base}/graphql\n"
            f"  health / readiness        {base}/healthz  {base}/readyz\n"
            "  a development token       .venv/bin/hub token --agency cleveland-police --role matac-analyst\n"
            "  then declare a purpose    headers X-Purpose: matac-tasking, X-Justification: MATAC-0001\n"
            f"  OAuth2 token endpoint     {base}/oauth/token (client credentials; hub clients add)\n"
            f"  graph                     {graph.engine} (data in {settings.data_dir})",
            err=True,
        )

    try:
        telemetry = configure()  # the OTEL_* variables; the app flushes it when serving ends
    except TelemetryError as exc:
        raise click.UsageError(str(exc)) from exc
    app = create_app(settings, on_ready=ready, telemetry=telemetry)
    uvicorn.run(app, host=host, port=port, log_level="warning", log_config=log_config())
