"""ArcadeDB's Bolt server from the ``arcadedb-embedded`` wheel, run as a child process.

One server per data directory. The process that starts it (the *owner*) holds an exclusive
``flock`` on ``owner.lock`` for as long as it lives. The kernel drops that lock when the owner
dies, even on ``kill -9``, so a crash can never leave a lock that blocks the next start; the
server itself is asked to die with its owner (``PR_SET_PDEATHSIG``) and a survivor found at the
next start is stopped before a new one is started.

A server owned by ``hub serve`` is watched: should it die under the hub (killed, out of memory), it is started
again on the same ports, so the hub's driver finds it where it was and the hub recovers without a restart.

Other processes on the same data directory attach to a server owned by ``hub serve``. A server
owned by a short-lived CLI command is not shared (it would vanish under the attacher when that
command ends): the next command waits for it to finish and then owns its own.

Layout under ``<data dir>``::

    graph/owner.lock          flock held by the owner
    graph/server.json         pid, ports and owner of the running server
    graph/arcadedb/           ArcadeDB's root: config/, databases/, log/
    secrets/graph-password    generated root password (mode 0600)
    secrets/graph-java.args   java @argfile carrying the password, so it is not in ``ps`` output
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import neo4j

from graph.errors import GraphUnavailable

DATABASE = "hub"
USER = "root"
_MAIN_CLASS = "com.arcadedb.server.ArcadeDBServer"
_JVM_FLAGS = (
    "--add-modules=jdk.incubator.vector",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.nio.channels.spi=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF8",
    "-Dpolyglot.engine.WarnInterpreterOnly=false",
)
_PR_SET_PDEATHSIG = 1

Notify = Callable[[str], None]


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    bolt_port: int
    http_port: int
    owner_pid: int
    role: str

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


@dataclass
class EmbeddedServer:
    """A running embedded server, either owned (started by us) or attached to."""

    info: ServerInfo
    password: str
    owned: bool
    _lock_fd: int | None = None
    _process: subprocess.Popen[bytes] | None = None
    _watchdog: _Watchdog | None = None


class _Watchdog:
    """Starts the owned server again, on the same ports, whenever it exits without being asked to."""

    def __init__(self, paths: _Paths, server: EmbeddedServer, heap: str, notify: Notify) -> None:
        self.paths, self.server, self.heap, self.notify = paths, server, heap, notify
        self.lock = threading.Lock()  # a restart and release() never interleave
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="embedded-graph-watchdog", daemon=True)
        self.thread.start()

    @contextlib.contextmanager
    def halted(self) -> Iterator[None]:
        """No restart begins inside the block (the server is stopped there), nor ever after."""
        self.stopping.set()
        with self.lock:
            yield
        self.thread.join(timeout=5)

    def _run(self) -> None:
        backoff = 1.0
        while True:
            spawned = time.monotonic()
            assert self.server._process is not None
            code = self.server._process.wait()
            if time.monotonic() - spawned < 60:  # one that keeps dying is started again less and less often
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 1.0
            with self.lock:
                if self.stopping.is_set():
                    return
                self.notify(f"the embedded graph exited (code {code}); starting it again on the same ports")
                info = self.server.info
                try:
                    self.server._process = _spawn(self.paths, info.bolt_port, info.http_port, self.heap)
                except OSError as exc:
                    self.notify(f"the embedded graph could not be started again: {exc}")
                    return
                self.server.info = dataclasses.replace(info, pid=self.server._process.pid)
                _write_state(self.paths, self.server.info)


class _Paths:
    def __init__(self, data_dir: Path) -> None:
        self.graph = data_dir / "graph"
        self.lock = self.graph / "owner.lock"
        self.state = self.graph / "server.json"
        self.root = self.graph / "arcadedb"
        self.secrets = data_dir / "secrets"
        self.password = self.secrets / "graph-password"
        self.argfile = self.secrets / "graph-java.args"
        self.log = self.graph / "server.log"


@contextlib.contextmanager
def embedded_server(
    data_dir: Path,
    *,
    role: str,
    heap: str = "2g",
    notify: Notify = lambda _msg: None,
    timeout: float = 120.0,
    bolt_port: int | None = None,
) -> Iterator[EmbeddedServer]:
    """Attach to this data directory's server, or start one for the life of the block (on ``bolt_port`` if given:
    a server started again where its clients last found it, as the fault tests do)."""
    server = acquire(data_dir, role=role, heap=heap, notify=notify, timeout=timeout, bolt_port=bolt_port)
    if server.owned and role == "serve":
        server._watchdog = _Watchdog(_Paths(data_dir), server, heap, notify)
    try:
        yield server
    finally:
        release(data_dir, server)


def acquire(
    data_dir: Path, *, role: str, heap: str, notify: Notify, timeout: float, bolt_port: int | None = None
) -> EmbeddedServer:
    paths = _Paths(data_dir)
    paths.graph.mkdir(parents=True, exist_ok=True)
    password = _password(paths)
    fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass
        else:
            try:
                return _start(paths, fd, password, role=role, heap=heap, deadline=deadline, bolt_port=bolt_port)
            except BaseException:
                os.close(fd)
                raise
        info = _read_state(paths)
        if info is not None and info.role == "serve" and _alive(info.owner_pid) and _ready(info, password):
            os.close(fd)
            return EmbeddedServer(info=info, password=password, owned=False)
        if not told and info is not None and _alive(info.owner_pid):
            notify(f"waiting for process {info.owner_pid} ({info.role}) to release the embedded graph")
            told = True
        if time.monotonic() > deadline:
            os.close(fd)
            raise GraphUnavailable(f"the embedded graph in {data_dir} stayed busy for {timeout:.0f}s")
        time.sleep(0.2)


def release(data_dir: Path, server: EmbeddedServer) -> None:
    if not server.owned:
        return
    with server._watchdog.halted() if server._watchdog else contextlib.nullcontext():
        _terminate(server.info.pid, server._process)
    with contextlib.suppress(FileNotFoundError):
        _Paths(data_dir).state.unlink()
    if server._lock_fd is not None:
        os.close(server._lock_fd)
        server._lock_fd = None


def _start(
    paths: _Paths, lock_fd: int, password: str, *, role: str, heap: str, deadline: float, bolt_port: int | None
) -> EmbeddedServer:
    _stop_survivor(paths)
    paths.root.mkdir(parents=True, exist_ok=True)
    bolt_port, http_port = bolt_port or _free_port(), _free_port()
    process = _spawn(paths, bolt_port, http_port, heap)
    info = ServerInfo(process.pid, bolt_port, http_port, os.getpid(), role)
    _write_state(paths, info)
    server = EmbeddedServer(info=info, password=password, owned=True, _lock_fd=lock_fd, _process=process)
    while not _ready(info, password):
        if process.poll() is not None:
            _discard(paths)
            raise GraphUnavailable(f"the embedded graph exited at start (code {process.returncode}); see {paths.log}")
        if time.monotonic() > deadline:
            _terminate(process.pid, process)
            _discard(paths)
            raise GraphUnavailable(f"the embedded graph did not become ready; see {paths.log}")
        time.sleep(0.25)
    return server


def _spawn(paths: _Paths, bolt_port: int, http_port: int, heap: str) -> subprocess.Popen[bytes]:
    command = _command(paths, bolt_port=bolt_port, http_port=http_port, heap=heap)
    with open(paths.log, "ab") as log:
        return subprocess.Popen(
            command,
            cwd=paths.root,  # ArcadeDB writes log/ under its working directory
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C at the terminal reaches us, and we stop it in order
            preexec_fn=_die_with_parent,
        )


def _command(paths: _Paths, *, bolt_port: int, http_port: int, heap: str) -> list[str]:
    import arcadedb_embedded  # deferred: importing it is only needed to find the bundled JRE and jars

    package = Path(arcadedb_embedded.__file__).parent
    settings = {
        "arcadedb.server.rootPath": paths.root,
        "arcadedb.server.databaseDirectory": paths.root / "databases",
        "arcadedb.server.httpIncomingHost": "127.0.0.1",
        "arcadedb.server.httpIncomingPort": http_port,
        "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "arcadedb.bolt.host": "127.0.0.1",
        "arcadedb.bolt.port": bolt_port,
        "arcadedb.server.defaultDatabases": f"{DATABASE}[{USER}]",
        "arcadedb.bolt.defaultDatabase": DATABASE,
        "arcadedb.opencypher.loadCsv.allowFileUrls": "false",
    }
    return [
        str(package / "jre" / "bin" / "java"),
        f"-Xmx{heap}",
        *_JVM_FLAGS,
        *(f"-D{key}={value}" for key, value in settings.items()),
        f"@{paths.argfile}",
        "-cp",
        str(package / "jars" / "*"),
        _MAIN_CLASS,
    ]


def _password(paths: _Paths) -> str:
    """The root password, generated once. ArcadeDB stores it at the first start and ignores later ones. Two processes
    starting at once on a new data directory (replicas) both get the first one written."""
    paths.secrets.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_once(paths.password, secrets.token_urlsafe(24) + "\n")
    password = paths.password.read_text().strip()
    _create_once(paths.argfile, f"-Darcadedb.server.rootPassword={password}\n")
    return password


def _create_once(path: Path, text: str) -> None:
    """Write ``path`` (mode 0600) unless it exists; linked into place whole, so a reader never sees it half-written
    and, of two processes racing, the first link wins."""
    if path.exists():
        return
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _ready(info: ServerInfo, password: str) -> bool:
    """Bolt listens before the database exists on a first start: only a real query proves readiness."""
    try:
        with (
            neo4j.GraphDatabase.driver(
                info.uri, auth=(USER, password), connection_timeout=2, max_connection_pool_size=1
            ) as driver,
            driver.session(database=DATABASE) as session,
        ):
            session.run("RETURN 1 AS ok").consume()  # auto-commit: no retries, fails fast
        return True
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError):
        return False


def _stop_survivor(paths: _Paths) -> None:
    """A server left by a crashed owner (its pid recorded and still ours) is stopped before a new start."""
    info = _read_state(paths)
    if info is not None and _is_our_java(info.pid, paths.root):
        _terminate(info.pid, None)
    _discard(paths)


def _is_our_java(pid: int, root: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return f"-Darcadedb.server.rootPath={root}".encode() in cmdline


def _terminate(pid: int, process: subprocess.Popen[bytes] | None, grace: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        elif not _alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie has exited: only its parent has yet to reap it
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def _read_state(paths: _Paths) -> ServerInfo | None:
    try:
        return ServerInfo(**json.loads(paths.state.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _write_state(paths: _Paths, info: ServerInfo) -> None:
    tmp = paths.state.with_suffix(".tmp")
    tmp.write_text(json.dumps(info.__dict__))
    tmp.replace(paths.state)


def _discard(paths: _Paths) -> None:
    with contextlib.suppress(FileNotFoundError):
        paths.state.unlink()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Ask the kernel to SIGTERM the server when its owner dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
