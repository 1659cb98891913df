"""``hub serve --workers N``: N worker processes on one pre-bound socket, under uvicorn's supervisor.

The supervisor (this process) does once what the workers must not race for, then starts them:

- checks the agreements and the identity provider, so a bad file stops ``hub serve`` instead of every worker in turn;
- opens the audit trail once (creating its tables and signing key), then closes it: each worker appends through its
  own connection, and the logs serialise appends across processes (``hub.audit.postgres``, ``hub.audit.sqlite``);
- starts the embedded graph (role ``serve``) and migrates it; the workers attach to it (``graph.embedded``), so a
  worker that dies, or is killed, takes nothing with it. Each worker is asked to die with the supervisor.

uvicorn's supervisor restarts a worker that dies and stops everything on SIGINT or SIGTERM. The banner is printed once,
when every worker answers.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click
import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

from graph.store import open_graph
from hub.app import create_app
from hub.audit import AuditUnavailable, open_settings_trail
from hub.auth.services import build_auth
from hub.policy.agreements import AgreementError
from hub.policy.reload import LivePolicy
from hub.settings import Settings
from hub.telemetry import configure, log_config

log = logging.getLogger("hub")
READY_WITHIN = 180.0  # seconds for a worker to start serving (its lifespan attaches to the graph and migrates it)
# a worker that does not answer the supervisor's ping (a thread of its own) within this is killed and replaced:
# uvicorn's 5 s can be missed by a healthy worker on a busy machine, and a replacement costs a start
HEALTHCHECK = 30
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerApp:
    """The app factory each worker calls; pickled into it (uvicorn starts workers with ``spawn``)."""

    settings: Settings

    def __call__(self) -> Starlette:
        with contextlib.suppress(OSError, AttributeError):  # an orphaned worker would serve with no graph
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        return create_app(self.settings, telemetry=configure())


class _Supervisor(Multiprocess):
    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket], announce: Callable[[], None]) -> None:
        super().__init__(config, sockets)
        self._announce = announce

    def init_processes(self) -> None:
        super().init_processes()
        if all(process.wait_until_ready(READY_WITHIN, self.should_exit) for process in self.processes):
            self._announce()

    @property
    def failed(self) -> bool:
        return any(process.exitcode == STARTUP_FAILURE for process in self.processes)


def supervise(settings: Settings, sock: socket.socket, workers: int, announce: Callable[[str], None]) -> None:
    """Serve with ``workers`` processes until SIGINT or SIGTERM; exit 1 if the workers could not start."""
    try:
        try:
            build_auth(settings)
            LivePolicy(settings.agreements_dir, archive=settings.data_dir / "agreements-archive")
            open_settings_trail(settings, publish=False).close()
        except AgreementError as exc:
            raise click.ClickException("the agreements are invalid:\n" + "\n".join(exc.problems)) from exc
        except AuditUnavailable as exc:
            raise click.ClickException(f"the audit trail cannot be opened: {exc}") from exc
        with open_graph(settings.graph_config(), role="serve", notify=log.warning) as graph:
            config = uvicorn.Config(
                WorkerApp(settings),
                factory=True,
                workers=workers,
                log_level="warning",
                log_config=log_config(),
                timeout_worker_healthcheck=HEALTHCHECK,
            )
            supervisor = _Supervisor(config, [sock], lambda: announce(graph.engine))
            supervisor.run()
    finally:
        sock.close()
    if supervisor.failed:
        print("hub: the workers could not start: see the messages above", file=sys.stderr)
        sys.exit(1)
