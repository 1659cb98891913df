"""The mixed workload of ``make load``, for Locust (``bench/load.py`` runs it headless; see there).

Three kinds of caller, each with its own token, purpose and justification, read from the JSON file named by
``HUB_LOAD_CONFIG`` (written by ``bench/load.py``):

- MATAC analysts (``cleveland-police``, ``matac-tasking``): the nomination list, 2-hop networks and person lookups of
  perpetrators the analyst may see;
- a partner system (``cleveland-police``, ``submitter``, a token from the client credentials grant): small
  ``submitRecords`` calls and ``POST /submissions`` streams of new records;
- auditors (``tees-dap``, ``audit``): the audit trail by agency and by person.

A request fails on a non-2xx status, a GraphQL error, or an answer without the data asked for. Every request's
latency is kept (not Locust's rounded buckets) and written, with the failures, to the ``samples`` file when the run
stops; the run stops itself after exactly ``max_requests`` requests, or at Locust's ``--run-time``, whichever is
first.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser

NOMINATIONS = "query Nominations { matacNominations(top: 20) { config nominations { rank personId score agencies } } }"
NETWORK = """query Network($id: ID!) { network(personId: $id, hops: 2) { people truncated
  connections { a b aRole bRole record { __typename agency localId } } } }"""
PERSON = "query Person($id: ID!) { person(id: $id) { id records { agency localId givenName } } }"
SUBMIT = """mutation Submit($r: [JSON!]!) { submitRecords(records: $r) { submission accepted refused } }"""
AUDIT_BY_AGENCY = "query A($a: String!) { auditEvents(agency: $a, first: 100) { events { agency purpose } next } }"
AUDIT_BY_PERSON = "query P($p: ID!) { auditEvents(person: $p, first: 100) { events { agency purpose } next } }"

CONFIG: dict[str, Any] = {}
LATENCIES: dict[str, list[float]] = defaultdict(list)  # request name -> milliseconds, successful requests
FAILURES: dict[str, int] = defaultdict(int)
FIRST_FAILURES: dict[str, str] = {}
CLOCK: dict[str, float] = {}
STARTED = itertools.count(1)  # requests sent so far, the one being sent included
_serial = itertools.count()
_environment: Environment | None = None  # Locust's, for its runner


def config() -> dict[str, Any]:
    if not CONFIG:
        CONFIG.update(json.loads(Path(os.environ["HUB_LOAD_CONFIG"]).read_text(encoding="utf-8")))
    return CONFIG


@events.init.add_listener
def _init(environment: Environment, **_: Any) -> None:
    global _environment
    _environment = environment


@events.test_start.add_listener
def _started(environment: Environment, **_: Any) -> None:
    config()
    CLOCK["start"] = time.time()


@events.request.add_listener
def _counted(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    if exception is None:
        LATENCIES[name].append(response_time)
    else:
        FAILURES[name] += 1
        FIRST_FAILURES.setdefault(name, str(exception)[:500])
    done = sum(map(len, LATENCIES.values())) + sum(FAILURES.values())
    runner = _environment.runner if _environment else None
    if runner is not None and done == CONFIG.get("max_requests") and "stop" not in CLOCK:
        CLOCK["stop"] = time.time()
        gevent.spawn(runner.quit)  # not from this user's greenlet, which quitting kills


@events.user_error.add_listener
def _crashed(user_instance: Any, exception: BaseException, **_: Any) -> None:
    """An exception in a task (a bug in this file, say) is a failure of the run too."""
    FAILURES["exceptions in tasks"] += 1
    FIRST_FAILURES.setdefault("exceptions in tasks", repr(exception)[:500])


@events.test_stop.add_listener
def _stopped(environment: Environment, **_: Any) -> None:
    CLOCK.setdefault("stop", time.time())
    samples = {
        "wall": CLOCK["stop"] - CLOCK.get("start", CLOCK["stop"]),
        "latencies": LATENCIES,
        "failures": FAILURES,
        "first_failures": FIRST_FAILURES,
    }
    Path(config()["samples"]).write_text(json.dumps(samples), encoding="utf-8")


class Caller(HttpUser):
    """One caller of one kind: its headers from the config; every request checked."""

    abstract = True
    kind = ""

    def on_start(self) -> None:
        self.settings = config()
        self.caller = self.settings["callers"][self.kind]
        self.headers = dict(self.caller["headers"])
        self.people = list(self.settings["people"])

    def wait_time(self) -> float:
        return random.uniform(0, 2 * self.settings["think"])

    def budget(self) -> None:
        """Stop this caller rather than send a request past ``max_requests``: the count is exact."""
        if next(STARTED) > self.settings["max_requests"]:
            raise StopUser()

    def graphql(self, name: str, query: str, wanted: str, refused_ok: bool = True, **variables: Any) -> None:
        self.budget()
        with self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
            name=f"{self.kind}: {name}",
            catch_response=True,
        ) as response:
            try:
                body = response.json()
            except ValueError:
                body = {}
            data = body.get("data") or {}
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}: {response.text[:300]}")
            elif body.get("errors"):
                response.failure(f"GraphQL errors: {json.dumps(body['errors'])[:300]}")
            elif data.get(wanted) is None:
                response.failure(f"no {wanted} in the answer")
            elif not refused_ok and data[wanted].get("refused"):
                response.failure(f"records refused: {json.dumps(data[wanted])[:300]}")
            else:
                response.success()


class Analyst(Caller):
    kind = "analyst"
    weight = 6

    @task(2)
    def nominations(self) -> None:
        self.graphql("matacNominations top 20", NOMINATIONS, "matacNominations")

    @task(5)
    def network(self) -> None:
        self.graphql("network 2 hops", NETWORK, "network", id=random.choice(self.people))

    @task(3)
    def person(self) -> None:
        self.graphql("person", PERSON, "person", id=random.choice(self.people))


class Partner(Caller):
    kind = "partner"
    weight = 2

    def records(self, people: int) -> list[dict[str, Any]]:
        """New records: ``people`` people and one incident between each pair, under fresh local ids."""
        agency, tag = self.caller["agency"], f"LOAD-{uuid.uuid4().hex[:10]}"
        made: list[dict[str, Any]] = [
            {"type": "person", "agency": agency, "local_id": f"{tag}-p{n}", "given_name": "Load", "family_name": "Test"}
            for n in range(people)
        ]
        for n in range(0, people - 1, 2):
            made.append(
                {
                    "type": "incident",
                    "agency": agency,
                    "local_id": f"{tag}-i{n}",
                    "occurred_at": self.settings["incidents_at"] or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "category": "threats",
                    "perpetrators": [f"{tag}-p{n}"],
                    "victims": [f"{tag}-p{n + 1}"],
                }
            )
        return made

    @task(3)
    def submit(self) -> None:
        self.graphql("submitRecords 15 records", SUBMIT, "submitRecords", refused_ok=False, r=self.records(10))

    @task(1)
    def stream(self) -> None:
        self.budget()
        body = "".join(json.dumps(r) + "\n" for r in self.records(100))
        with self.client.post(
            f"/submissions?name=load-{next(_serial)}",
            data=body.encode(),
            headers={**self.headers, "content-type": "application/x-ndjson"},
            name="partner: POST /submissions 150 records",
            catch_response=True,
        ) as response:
            lines = [json.loads(line) for line in response.text.splitlines() if line.strip()] if response.ok else []
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}: {response.text[:300]}")
            elif not lines or lines[-1].get("status") != "complete" or lines[-1].get("refused"):
                response.failure(f"submission not complete: {response.text[-300:]}")
            else:
                response.success()


class Auditor(Caller):
    kind = "auditor"
    weight = 1

    @task(2)
    def by_agency(self) -> None:
        self.graphql("auditEvents by agency", AUDIT_BY_AGENCY, "auditEvents", a="cleveland-police")

    @task(1)
    def by_person(self) -> None:
        self.graphql("auditEvents by person", AUDIT_BY_PERSON, "auditEvents", p=random.choice(self.people))
