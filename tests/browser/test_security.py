"""What the page shows is what the caller's grant shows, asserted on the rendered DOM: a DVDS officer never sees a
subject's earlier victims, a school sees only its own pupils, a researcher sees no person at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.workspace import ask, body_text, open_network, open_tab, sign_in

SUBJECT = """{ matacNominations(top: 5) { nominations { personId } } }"""
NETWORK = """query($id: ID!) { network(personId: $id, hops: 1) { connections { a b aRole bRole } } }"""
PUPIL = """query($id: String!) { personByRecord(agency: "stockton-schools", localId: $id) { id } }"""
AGENCIES = """query($id: ID!) { person(id: $id) { records { agency } } }"""
NAMES = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { id records { givenName
  familyName } } } }"""


@pytest.fixture(scope="module")
def subject(hub_url: str, token: Any) -> dict[str, Any]:
    """A listed serial perpetrator, his victims and their names, as a MATAC analyst sees them (the test's oracle)."""
    auth = token("cleveland-police", "matac-analyst")

    def matac(query: str, **variables: Any) -> dict[str, Any]:
        return ask(hub_url, auth, "matac-tasking", "MATAC-0001", query, **variables)["data"]

    for entry in matac(SUBJECT)["matacNominations"]["nominations"]:
        person = entry["personId"]
        victims = set()
        for c in matac(NETWORK, id=person)["network"]["connections"]:
            for me, role, other, theirs in (
                (c["a"], c["aRole"], c["b"], c["bRole"]),
                (c["b"], c["bRole"], c["a"], c["aRole"]),
            ):
                if me == person and role == "PERPETRATOR" and theirs == "VICTIM":
                    victims.add(other)
        if len(victims) >= 2:
            people = matac(NAMES, reps=[{"__typename": "Person", "id": i} for i in [person, *victims]])["_entities"]
            names = {
                p["id"]: {
                    f"{r['givenName']} {r['familyName']}" for r in p["records"] if r["givenName"] and r["familyName"]
                }
                for p in people
            }
            return {"person": person, "victims": sorted(victims), "names": names}
    raise AssertionError("no listed perpetrator with two victims")


def test_dvds_officer_never_sees_a_subjects_earlier_victims(page: Any, subject: dict[str, Any]) -> None:
    sign_in(page, "cleveland-police", "dvds-officer", "dvds-disclosure", "DVDS-0001")
    page.wait_for_selector("#nominations-caption")
    page.locator(".status", has_text="could not be shown").first.wait_for()  # the list is refused under DVDS
    assert page.locator("#nominations tbody tr").count() == 0
    open_network(page, subject["person"], hops=2)
    page.wait_for_timeout(500)  # names and the timeline arrive after the graph
    text = body_text(page)
    for victim in subject["victims"]:
        assert victim not in text
        for name in subject["names"].get(victim, ()):
            assert name not in text, f"a victim's name ({name}) is on a DVDS officer's page"
    assert page.locator("#network-people tbody tr", has_text="victim").count() == 0
    assert page.locator("#victims-in-order li[data-person]").count() == 0


def _pupil_known_elsewhere(hub_url: str, token: Any, demo_dir: Path) -> tuple[str, set[str]]:
    """A pupil on the school's roll whose resolved person also holds other agencies' records (a MARAC view)."""
    school = token("stockton-schools", "safeguarding-lead")
    marac = token("cleveland-police", "marac-coordinator")
    roll = [json.loads(line) for line in (demo_dir / "seed" / "stockton-schools.jsonl").read_text().splitlines()]
    for record in [r for r in roll if r["type"] == "person"][:60]:
        found = ask(hub_url, school, "operation-encompass", None, PUPIL, id=record["local_id"])["data"][
            "personByRecord"
        ]
        if not found:
            continue
        seen = ask(hub_url, marac, "marac", "MARAC-0001", AGENCIES, id=found["id"])["data"]["person"]
        agencies = {r["agency"] for r in (seen or {}).get("records", [])}
        if agencies - {"stockton-schools"}:
            return found["id"], agencies
    raise AssertionError("no pupil on the roll is known to another agency")


def test_school_sees_only_its_own_pupils(page: Any, subject: dict[str, Any], token: Any, demo_dir: Path) -> None:
    pupil, elsewhere = _pupil_known_elsewhere(page.base, token, demo_dir)
    sign_in(page, "stockton-schools", "safeguarding-lead", "operation-encompass")
    page.locator(".status", has_text="could not be shown").first.wait_for()  # no list under Operation Encompass
    assert page.locator("#nominations tbody tr").count() == 0
    open_tab(page, "alerts")
    page.wait_for_selector("section[data-ready] #alerts")
    assert all(n.startswith("stockton-schools:") for n in page.locator("#alerts .notification").all_inner_texts())
    kinds = set(page.locator("#alerts tbody tr").evaluate_all("rows => rows.map(r => r.dataset.kind)"))
    assert kinds <= {"operation_encompass"}
    # its own pupil: the school's record, and the police's (who notify the school: name and date of birth), never the
    # other agencies that know the child (social care, the IDVA service)
    open_tab(page, "identity")
    page.fill("#identity-person", pupil)
    page.click("#identity-open")
    page.wait_for_selector("section[data-ready] #identity-record-table")
    rows = page.locator("#identity-record-table tbody th").all_inner_texts()
    assert any(r.startswith("stockton-schools:") for r in rows)
    assert {r.split(":")[0] for r in rows} <= {"stockton-schools", "cleveland-police"}, (rows, elsewhere)
    # an adult perpetrator is not the school's pupil: nothing about him, his network or his victims
    open_network(page, subject["person"], hops=1)
    assert page.locator("#network-people tbody tr").count() == 0
    page.click("#tab-identity")
    page.fill("#identity-person", subject["person"])
    page.click("#identity-open")
    page.locator("#identity-status", has_text="cannot").wait_for()
    text = body_text(page)
    for who in [subject["person"], *subject["victims"]]:
        for name in subject["names"].get(who, ()):
            assert name not in text


def test_researcher_sees_no_person_at_all(page: Any, subject: dict[str, Any]) -> None:
    sign_in(page, "tees-dap", "researcher", "research-statistics")
    page.locator(".status", has_text="could not be shown").first.wait_for()
    assert page.locator("#nominations tbody tr").count() == 0
    open_network(page, subject["person"], hops=2)
    assert page.locator("#network-people tbody tr").count() == 0
    open_tab(page, "alerts")
    page.wait_for_selector("section[data-ready] #alerts")
    assert page.locator("#alerts tbody tr").count() == 0
    open_tab(page, "identity")
    page.fill("#identity-person", subject["person"])
    page.click("#identity-open")
    page.locator("#identity-status", has_text="annot").wait_for()
    assert page.locator("#identity-record-table").count() == 0
    text = body_text(page)
    for who in [subject["person"], *subject["victims"]]:
        for name in subject["names"].get(who, ()):
            assert name not in text
