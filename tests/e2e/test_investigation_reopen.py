"""A view saved under MATAC and reopened after the agreement stopped letting part of it through shows only what the
grant allows now: a hub of its own, on its own copy of the agreements, to which a new MATAC version is added while
it runs (agreements are hot-reloaded). Synthetic: no real person."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import HUB, REPO, free_port, hub_env, start_serve, stop, write_jsonl

POLICE, PROBATION = "cleveland-police", "probation-ne"
SAVE = """mutation S($view: InvestigationInput!) { saveInvestigation(name: "Panel case", view: $view) {
  id personIds filters { centrePersonId } } }"""
OPEN = "query O($id: ID!) { investigation(id: $id) { personIds people { id } filters { centrePersonId } } }"
HEADERS = {"x-purpose": "matac-tasking", "x-justification": "MATAC-REOPEN"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("reopen")
    data_dir, agreements = root / "data", root / "agreements"
    shutil.copytree(REPO / "agreements", agreements)
    env = {"HUB_AGREEMENTS_DIR": str(agreements)}

    def hub_cli(*args: str) -> str:
        done = subprocess.run(
            [HUB, *args], env=hub_env(data_dir, **env), capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    port = free_port()
    process = start_serve(data_dir, port, **env)
    try:
        for agency, local, given in ((POLICE, "RO-P", "Ropolice"), (PROBATION, "RO-N", "Roprob")):
            records = [
                {"type": "person", "agency": agency, "local_id": local, "given_name": given, "dob": "1980-01-01"}
            ]
            hub_cli("ingest", str(write_jsonl(root / f"{agency}.jsonl", records)), "--agency", agency)
        token = hub_cli("token", "--agency", POLICE, "--role", "matac-analyst").strip()
        yield {"base": f"http://127.0.0.1:{port}", "token": token, "agreements": agreements, "cli": hub_cli}
    finally:
        stop(process)


def _ask(hub: dict[str, Any], query: str, **variables: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {hub['token']}", **HEADERS}
    response = httpx.post(f"{hub['base']}/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return dict(response.json()["data"])


def _people(hub: dict[str, Any]) -> dict[str, str]:
    """local id -> resolved id, for the two people, as MATAC finds them by record."""
    out = {}
    for agency, local in ((POLICE, "RO-P"), (PROBATION, "RO-N")):
        found = _ask(hub, "query P($a: String!, $l: String!) { personByRecord(agency: $a, localId: $l) { id } }",
                     a=agency, l=local)["personByRecord"]  # fmt: skip
        out[local] = found["id"]
    return out


def test_a_view_reopened_after_the_agreement_narrowed_shows_only_what_it_allows_now(hub: dict[str, Any]) -> None:
    ids = _people(hub)
    saved = _ask(hub, SAVE, view={"personIds": [ids["RO-P"], ids["RO-N"]], "filters": {"centrePersonId": ids["RO-N"]}})
    saved = saved["saveInvestigation"]
    assert saved["personIds"] == [ids["RO-P"], ids["RO-N"]] and saved["filters"]["centrePersonId"] == ids["RO-N"]

    # a new MATAC version, in force from today, that no longer draws on probation
    text = (hub["agreements"] / "matac.yaml").read_text()
    old = "sources: [cleveland-police, probation-ne, "
    assert old in text
    narrowed = text.replace("version: 4", "version: 5").replace(old, "sources: [cleveland-police, ")
    narrowed = narrowed.replace("effective_from: 2026-12-04", f"effective_from: {dt.date.today().isoformat()}")
    (hub["agreements"] / "matac.v5.yaml").write_text(narrowed)
    deadline = time.monotonic() + 30
    while _ask(hub, "{ purposes { agreement { version } } }")["purposes"][0]["agreement"]["version"] != 5:
        assert time.monotonic() < deadline, "the new agreement version was not picked up"
        time.sleep(0.5)

    opened = _ask(hub, OPEN, id=saved["id"])["investigation"]
    assert opened["personIds"] == [ids["RO-P"]] and [p["id"] for p in opened["people"]] == [ids["RO-P"]]
    assert opened["filters"]["centrePersonId"] is None  # the centre was known to probation only: absent too
    listed = _ask(hub, "{ investigations { id personIds } }")["investigations"]
    assert listed == [{"id": saved["id"], "personIds": [ids["RO-P"]]}]
