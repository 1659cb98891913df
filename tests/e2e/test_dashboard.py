"""The quarterly partnership dashboard over real HTTP: counts for one quarter under the research purpose, small numbers
suppressed (directly, and where a difference between two counts would give one away), and nothing for anyone else."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.trust_data import POLICE, Household
from tests.helpers import run_hub, write_jsonl

FIGURES = ("incidents", "crimes", "arrests", "charges", "victims", "repeatVictims", "dvdsApplications",
           "dvdsRightToKnow", "dvdsDecided", "dvdsDisclosed", "ordersGranted", "maracReferrals", "programmeReferrals",
           "programmeEngaged")  # fmt: skip
DASHBOARD = (
    "query D($q: String!) { dashboard(quarter: $q) { quarter start end complete minCell "
    + " ".join(f"{f} {{ count suppressed shared }}" for f in FIGURES)
    + " repeatVictimisationRate dvdsDisclosureRate programmeEngagementRate } }"
)


def quarter_of(day: dt.date) -> tuple[str, dt.date]:
    q = (day.month - 1) // 3 + 1
    return f"{day.year}-Q{q}", dt.date(day.year, 3 * q - 2, 1)


@pytest.fixture(scope="module")
def quarter(data_dir: Path, tmp_path_factory: pytest.TempPathFactory, household: Household) -> str:
    """A quarter about four years ago (inside the research agreement's five years, and no other test's data):

    32 incidents: 12 arrests, 11 charges, 9 with no outcome; 11 victims abused twice, 10 once.
    14 DVDS applications: 12 Right to Ask and 2 Right to Know; 10 disclosed, 2 not, 2 pending. 3 orders granted.
    """
    name, start = quarter_of(dt.date.today() - dt.timedelta(days=4 * 365))
    tag = "DSH" + uuid.uuid4().hex[:6]

    def at(day: int) -> str:
        return f"{start + dt.timedelta(days=day)}T10:00:00Z"

    people = [{"type": "person", "agency": POLICE, "local_id": f"{tag}-p"}]
    people += [{"type": "person", "agency": POLICE, "local_id": f"{tag}-v{i}"} for i in range(21)]
    victims = [f"{tag}-v{i}" for i in range(11) for _ in range(2)] + [f"{tag}-v{i}" for i in range(11, 21)]
    outcomes = ["arrest"] * 12 + ["charge"] * 11 + ["none"] * 9
    incidents = [
        {"type": "incident", "agency": POLICE, "local_id": f"{tag}-i{n}", "occurred_at": at(n), "category": "physical",
         "crime": True, "outcome": outcome, "perpetrators": [f"{tag}-p"], "victims": [victim]}
        for n, (victim, outcome) in enumerate(zip(victims, outcomes, strict=True))
    ]  # fmt: skip
    decisions = ["disclosed"] * 10 + ["not_disclosed"] * 2 + ["pending"] * 2
    disclosures = [
        {"type": "disclosure", "agency": POLICE, "local_id": f"{tag}-d{n}", "subject": f"{tag}-p",
         "scheme": "right_to_know" if n >= 12 else "right_to_ask", "applied_at": at(n), "outcome": outcome}
        for n, outcome in enumerate(decisions)
    ]  # fmt: skip
    orders = [
        {"type": "order", "agency": POLICE, "local_id": f"{tag}-o{n}", "kind": "DVPO", "subject": f"{tag}-p",
         "start": str(start + dt.timedelta(days=n)), "status": "granted"}
        for n in range(3)
    ]  # fmt: skip
    path = write_jsonl(tmp_path_factory.mktemp("dashboard") / "q.jsonl", people + incidents + disclosures + orders)
    done = run_hub(data_dir, "ingest", str(path), "--agency", POLICE)
    assert done.returncode == 0, done.stderr
    return name


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_the_dashboard_counts_a_quarter_and_suppresses_small_numbers(call: Any, quarter: str):
    board = call("tees-dap", "researcher", "research-statistics").ask(DASHBOARD, q=quarter)["data"]["dashboard"]
    assert (board["quarter"], board["minCell"], board["complete"]) == (quarter, 10, True)
    assert board["start"].endswith("-01") and board["end"] > board["start"]
    shown = {name: board[name]["count"] for name in FIGURES}
    assert shown["incidents"] == 32 and shown["crimes"] == 32 and shown["arrests"] == 12
    assert shown["charges"] is None and board["charges"]["suppressed"], (
        "11 charges, but with the 12 arrests it would leave 9 incidents with neither: a small number"
    )
    assert (shown["victims"], shown["repeatVictims"]) == (21, 11)
    assert board["repeatVictimisationRate"] == round(11 / 21, 4)
    assert shown["dvdsApplications"] == 14
    assert shown["dvdsRightToKnow"] is None, "2 is under the minimum cell"
    assert shown["dvdsDecided"] is None, "12 decided of 14 would give away the 2 pending"
    assert shown["dvdsDisclosed"] is None, "10 disclosed of 14 would give away the 4 not disclosed or pending"
    assert board["dvdsDisclosureRate"] is None
    assert shown["ordersGranted"] is None and board["ordersGranted"] == {
        "count": None,
        "suppressed": True,
        "shared": True,
    }
    assert board["programmeReferrals"] == {"count": None, "suppressed": True, "shared": True}
    assert board["programmeEngagementRate"] is None
    for name in FIGURES:
        count = board[name]["count"]
        assert count is None or count >= 10
        assert board[name]["shared"]


def test_the_dashboard_is_refused_to_every_other_purpose(call: Any, quarter: str, household: Household):
    for caller in (
        call(POLICE, "matac-analyst", "matac-tasking", "MATAC-DASH"),
        call(POLICE, "dvds-officer", "dvds-disclosure", "DVDS-DASH"),
        call("stockton-schools", "safeguarding-lead", "operation-encompass"),
        call("tees-dap", "auditor", "audit", "SAR-DASH"),
        call("tees-dap", "researcher", None),
    ):
        body = caller.ask(DASHBOARD, q=quarter)
        assert body["data"] is None and codes(body) == ["FORBIDDEN"], body


@pytest.mark.parametrize(("asked", "code"), [("2026-Q5", "BAD_REQUEST"), ("Q3 2026", "BAD_REQUEST"),
                                             ("2999-Q1", "BAD_REQUEST"), ("2015-Q1", "FORBIDDEN")])  # fmt: skip
def test_the_quarter_must_be_one_the_agreement_covers(call: Any, quarter: str, asked: str, code: str):
    body = call("tees-dap", "researcher", "research-statistics").ask(DASHBOARD, q=asked)
    assert body["data"] is None and codes(body) == [code]
