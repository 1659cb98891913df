"""Publishing signed tree heads to a witness: a real directory, a real HTTP server on loopback, a real SQLite trail.

Failures are logged and retried, never dropped and never in a request's way; the backlog is bounded and keeps the
latest head. A witness that cannot be written is made so by the file system (a file where its directory should be),
or by an HTTP server that answers 503 or hangs, not by a fake.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hub.audit import AuditEvent, open_audit_log, open_settings_trail
from hub.audit.heads import TreeHead, load_heads
from hub.audit.witness import DirectoryWitness, HttpWitness, Publisher
from hub.settings import Settings

WAIT = 10.0


def event(i: int) -> AuditEvent:
    return AuditEvent(at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), subject=f"u{i}", agency="police", decision="allow")


def eventually(check: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Receiver(BaseHTTPRequestHandler):
    """Answers ``fail`` requests with 503 first, or holds each request for ``hang`` seconds; keeps what it took."""

    taken: list[dict[str, object]]
    fail: int
    hang: float

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        time.sleep(server.hang)  # type: ignore[attr-defined]
        with server.lock:  # type: ignore[attr-defined]
            if server.fail > 0:  # type: ignore[attr-defined]
                server.fail -= 1  # type: ignore[attr-defined]
                self.send_response(503)
            else:
                server.taken.append(json.loads(body))  # type: ignore[attr-defined]
                self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.taken, server.fail, server.hang, server.lock = [], 0, 0.0, threading.Lock()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/heads"


def test_an_http_witness_gets_the_latest_head_after_failures_that_are_logged_and_retried(
    receiver: ThreadingHTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.fail = 3  # type: ignore[attr-defined]
    publisher = Publisher(HttpWitness(url(receiver)), interval=0, retry_first=0.02, retry_max=0.1)
    with caplog.at_level(logging.ERROR, "hub.audit.witness"):
        log = open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "key", publisher=publisher)
        for i in range(5):
            log.append([event(i)])
        latest = log.tree_head()
        eventually(lambda: bool(receiver.taken) and receiver.taken[-1]["tree_size"] == 5)  # type: ignore[attr-defined]
        log.close()
    taken = [TreeHead.from_json(head) for head in receiver.taken]  # type: ignore[attr-defined]
    sizes = [head.size for head in taken]
    assert sizes == sorted(set(sizes)) and taken[-1] == latest  # never an older head after a newer one
    failures = [r.getMessage() for r in caplog.records if "did not take" in r.getMessage()]
    assert len(failures) == 3 and all(": HTTP 503; retrying" in message for message in failures)


def test_a_busy_trail_publishes_at_most_one_head_per_interval_and_the_latest_at_close(tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    publisher = Publisher(DirectoryWitness(witness), interval=0.5)
    log = open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "key", publisher=publisher)
    started = time.monotonic()
    for i in range(40):
        log.append([event(i)])
    elapsed = time.monotonic() - started
    latest = log.tree_head()
    log.close()
    heads = [head for _, head in load_heads(witness)]
    assert len(heads) <= 2 + elapsed / 0.5  # the first at once, then one per interval, then the latest at close
    assert heads[-1] == latest and len(heads) < 40


def test_a_hanging_witness_never_slows_an_append(receiver: ThreadingHTTPServer, tmp_path: Path) -> None:
    receiver.hang = 1.0  # type: ignore[attr-defined]
    publisher = Publisher(HttpWitness(url(receiver)), close_within=5.0)
    with open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "key", publisher=publisher) as log:
        started = time.perf_counter()
        for i in range(20):
            log.append([event(i)])
        assert time.perf_counter() - started < 0.9  # all twenty while the witness holds its first request
        latest = log.tree_head()
    # closing published what was left: the latest head, though older ones may have given way
    assert TreeHead.from_json(receiver.taken[-1]) == latest  # type: ignore[attr-defined]


def test_only_the_latest_head_waits_and_it_is_published_when_the_witness_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "witness"
    blocked.write_text("a file where the witness directory should be")
    publisher = Publisher(DirectoryWitness(blocked), interval=0, retry_first=0.02, retry_max=0.05)
    with caplog.at_level(logging.WARNING, "hub.audit.witness"):
        log = open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "key", publisher=publisher)
        for i in range(20):
            log.append([event(i)])
        assert publisher.waiting == log.tree_head()  # one head held, the latest, whatever the witness does
        eventually(lambda: any("did not take" in r.getMessage() for r in caplog.records))
        blocked.unlink()  # the witness comes back
        eventually(lambda: any(p.name.startswith("head-000000000020-") for p in blocked.glob("*.json")))
        log.close()
    sizes = [head.size for _, head in load_heads(blocked)]
    assert sizes == [20]
    assert any("took the head at size 20 after" in r.getMessage() for r in caplog.records)


def test_heads_left_unpublished_at_shutdown_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "witness"
    blocked.write_text("not a directory")
    publisher = Publisher(DirectoryWitness(blocked), retry_first=0.02, close_within=0.2)
    with caplog.at_level(logging.ERROR, "hub.audit.witness"):
        with open_audit_log(tmp_path / "audit.sqlite3", tmp_path / "key", publisher=publisher) as log:
            log.append([event(1), event(2)])
        assert any(
            "the signed tree head at size 2 was not published before shutdown" in r.getMessage() for r in caplog.records
        )


def test_a_directory_witness_never_replaces_a_head_it_holds(tmp_path: Path) -> None:
    witness, first, second = tmp_path / "witness", tmp_path / "one", tmp_path / "two"
    for root in (first, second):  # two different trails of the same size: a rolled-back trail reaching 3 again
        with open_audit_log(
            root / "audit.sqlite3", tmp_path / "key", publisher=Publisher(DirectoryWitness(witness))
        ) as log:
            log.append([event(int(root.name == "two")), event(2), event(3)])
    heads = load_heads(witness)
    assert [head.size for _, head in heads] == [3, 3] and heads[0][1].root != heads[1][1].root


def test_the_settings_witness_gets_heads_from_appends_of_the_hub_and_of_cli_readers(tmp_path: Path) -> None:
    settings = Settings.from_env({"HUB_DATA_DIR": str(tmp_path / "data"), "HUB_AUDIT_WITNESS": str(tmp_path / "w")})
    with open_settings_trail(settings) as log:
        log.append([event(1)])
    with open_settings_trail(settings, create=False, publish=True) as log:  # as hub audit report opens it
        log.append([event(2)])
    with open_settings_trail(settings, create=False) as log:  # as hub audit verify opens it: no publisher at all
        assert log.verify(load_heads(tmp_path / "w")).heads == 2
