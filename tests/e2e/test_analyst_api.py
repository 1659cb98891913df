"""The API the analyst web page needs (issue 12), over real HTTP against a real hub, for every demo purpose and role:
identity review evidence, the policy in words (`purposes`, `explain`) and investigations (saved views). Each test
asserts what must be hidden as well as what is shown.

The household here is its own (a tag per run), written through the real ingest; its records are joined, and their
RESOLVED_AS edges given provenance, exactly as identity resolution writes them (``graph.identity.writeback``).
Synthetic: no real person.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.identity.cluster import Link
from graph.identity.writeback import edge_props
from graph.store import Graph
from tests.e2e.trust_data import NHS, POLICE, PROBATION, SCHOOLS, join
from tests.helpers import resolved_ids, run_hub, write_jsonl

MATAC = (POLICE, "matac-analyst", "matac-tasking", "MATAC-UI")
MARAC = (POLICE, "marac-coordinator", "marac", "MARAC-UI")
DVDS = (POLICE, "dvds-officer", "dvds-disclosure", "DVDS-UI")
SCHOOL = (SCHOOLS, "safeguarding-lead", "operation-encompass", None)
RESEARCH = ("tees-dap", "researcher", "research-statistics", None)
PROBATION_MATAC = (PROBATION, "matac-analyst", "matac-tasking", "MATAC-UI")

LINKS = """query L($id: ID!) { person(id: $id) { id records { agency localId } identityLinks {
  record { agency localId } linkedWith { agency localId } matchProbability method rule
  comparisons { comparison level matchWeight } } } }"""
STRONG = {
    "given_name": ("exact", 4.25),
    "family_name": ("exact", 5.5),
    "dob": ("exact", 7.75),
    "postcode": ("exact", 3.5),
    "address": ("same address", 6.0),
    "gender": ("same", 0.5),
    "national_id": ("same national identifier", 9.0),
    "neighbours": ("shares a partner, child or other party", 2.25),
}


def _at(days_ago: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def world(data_dir: Path, graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Perp (police, probation, the NHS and a school's roll as a parent contact) harmed Vic five days ago; Kid is a
    pupil known to police too (joined by an analyst's confirmation); Nhsonly is known to the NHS alone; Probonly to
    probation alone. Perp's probation record was joined by the model, his school contact by the sparse-record rule."""
    tag = "UI" + uuid.uuid4().hex[:6].upper()

    def lid(name: str) -> str:
        return f"{tag}-{name}"

    def person(agency: str, name: str, given: str, dob: str, **more: Any) -> dict[str, Any]:
        base = {"type": "person", "agency": agency, "local_id": lid(name), "given_name": given}
        return base | {"family_name": "Uicase", "dob": dob, "gender": "male", **more}

    kid_dob = (dt.date.today() - dt.timedelta(days=365 * 9)).isoformat()
    files = {
        POLICE: [
            person(POLICE, "perp", "Perpname", "1980-02-02", postcode="TS18 1AA"),
            person(POLICE, "vic", "Vicname", "1990-04-04"),
            person(POLICE, "kid", "Kidname", kid_dob),
            {
                "type": "incident",
                "agency": POLICE,
                "local_id": lid("inc"),
                "occurred_at": _at(5),
                "category": "physical",
                "perpetrators": [lid("perp")],
                "victims": [lid("vic")],
                "children_present": [lid("kid")],
            },
        ],
        PROBATION: [
            person(PROBATION, "perp-crn", "Perpname", "1980-02-02", postcode="TS18 1AA"),
            person(PROBATION, "probonly", "Probonlyname", "1985-05-05"),
        ],
        NHS: [
            person(NHS, "perp-nhs", "Perpname", "1980-02-02", identifiers={"nhs_number": "9990003334"}),
            person(NHS, "nhsonly", "Nhsonlyname", "1970-07-07"),
        ],
        SCHOOLS: [
            person(SCHOOLS, "perp-contact", "Perpname", "1980-02-02"),
            person(SCHOOLS, "kid-pupil", "Kidname", kid_dob),
        ],
    }
    root = tmp_path_factory.mktemp("analyst")
    for agency, records in files.items():
        done = run_hub(data_dir, "ingest", str(write_jsonl(root / f"{agency}.jsonl", records)), "--agency", agency)
        assert done.returncode == 0, done.stderr
    for other, main in (("perp-crn", "perp"), ("perp-nhs", "perp"), ("perp-contact", "perp"), ("kid-pupil", "kid")):
        join(graph, lid(other), lid(main))
    rule = {
        "given_name": ("exact", 0.0),
        "family_name": ("exact", 0.0),
        "neighbours": ("shares a partner or other party", 0.0),
        "rule": ("no date of birth: the only known person with this name and partner", 0.0),
    }
    for (agency, name), (other_agency, other), probability, evidence in (
        ((POLICE, "perp"), (PROBATION, "perp-crn"), 0.9991, STRONG),
        ((PROBATION, "perp-crn"), (POLICE, "perp"), 0.9991, STRONG),
        ((NHS, "perp-nhs"), (POLICE, "perp"), 0.9999, STRONG),
        ((SCHOOLS, "perp-contact"), (POLICE, "perp"), 0.9, rule),
        ((SCHOOLS, "kid-pupil"), (POLICE, "kid"), 1.0, None),
        ((POLICE, "kid"), (SCHOOLS, "kid-pupil"), 1.0, None),
    ):
        props = edge_props(Link(f"{other_agency}:{lid(other)}", probability, evidence), _at(0))
        graph.write(
            "MATCH (:PersonRecord {key: $key})-[e:RESOLVED_AS]->() SET e += $props",
            key=f"{agency}:{lid(name)}",
            props=props,
        )
    return {"tag": tag, "lid": lid, "ids": resolved_ids(graph, tag)}


def _links(call: Any, who: tuple[str, str, str, str | None], person_id: str) -> list[dict[str, Any]] | None:
    body = call(*who).ask(LINKS, id=person_id)
    assert "errors" not in body, body
    found = body["data"]["person"]
    return None if found is None else found["identityLinks"]


def _pairs(links: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(link["record"]["agency"], link["linkedWith"]["agency"]) for link in links}


def _comparisons(links: list[dict[str, Any]]) -> set[str]:
    return {c["comparison"] for link in links for c in link["comparisons"]}


# --- 1. identity review evidence ----------------------------------------------------------------------------------


def test_matac_sees_links_between_its_sources_only(call: Any, world: dict[str, Any]) -> None:
    lid, ids = world["lid"], world["ids"]
    links = _links(call, MATAC, ids["perp"])
    assert links is not None and _pairs(links) == {(POLICE, PROBATION), (PROBATION, POLICE)}
    first = next(link for link in links if link["record"]["agency"] == POLICE)
    assert first["record"]["localId"] == lid("perp") and first["linkedWith"]["localId"] == lid("perp-crn")
    assert first["matchProbability"] == pytest.approx(0.9991) and first["method"] == "splink"
    levels = {c["comparison"]: (c["level"], c["matchWeight"]) for c in first["comparisons"]}
    assert levels["dob"] == ("exact", 7.75) and levels["national_id"] == ("same national identifier", 9.0)
    # hidden: postcodes are masked to their district under MATAC, so "exact" would tell more than the district
    assert "postcode" not in levels and "address" not in levels
    # hidden: the NHS (not a MATAC party) and the school's roll (not a source) never appear, not even as a count
    text = json.dumps(links)
    assert NHS not in text and SCHOOLS not in text and lid("perp-nhs") not in text and lid("perp-contact") not in text


def test_marac_sees_the_nhs_link_but_no_national_identifier_evidence(call: Any, world: dict[str, Any]) -> None:
    links = _links(call, MARAC, world["ids"]["perp"])
    assert links is not None and (NHS, POLICE) in _pairs(links) and (POLICE, PROBATION) in _pairs(links)
    assert "national_id" not in _comparisons(links)  # MARAC shares no identifiers
    assert {"postcode", "address", "dob", "neighbours"} <= _comparisons(links)  # shared as recorded under MARAC
    assert SCHOOLS not in json.dumps(links)


def test_dvds_sees_no_evidence_it_could_not_read_itself(call: Any, world: dict[str, Any]) -> None:
    links = _links(call, DVDS, world["ids"]["perp"])
    assert links is not None and _pairs(links) == {(POLICE, PROBATION), (PROBATION, POLICE)}
    # dates of birth to their year, no partners or victims, no postcodes or identifiers: only names and nothing else
    assert _comparisons(links) == {"given_name", "family_name"}


def test_a_school_sees_its_pupils_links_and_nothing_of_adults(call: Any, world: dict[str, Any]) -> None:
    ids, lid = world["ids"], world["lid"]
    links = _links(call, SCHOOL, ids["kid"])
    assert links is not None and _pairs(links) == {(SCHOOLS, POLICE), (POLICE, SCHOOLS)}
    assert all(link["method"] == "decision" and link["comparisons"] == [] for link in links)
    assert _links(call, SCHOOL, ids["perp"]) is None  # an adult on the roll: no person, so no links either
    assert lid("perp") not in json.dumps(links)


def test_a_rule_shows_where_its_grounds_are_shared(call: Any, world: dict[str, Any]) -> None:
    """The school contact was joined by the sparse-record rule; MARAC has no school source: no link. The rule is
    checked as words, with what it rests on (names and partners), through the comparisons' own filter."""
    for who in (MATAC, MARAC, DVDS):
        links = _links(call, who, world["ids"]["perp"]) or []
        assert all(link["method"] != "rule" and link["rule"] is None for link in links)


def test_identity_links_are_audited_as_local_ids_and_compared_fields(
    call: Any, world: dict[str, Any], data_dir: Path
) -> None:
    marker = f"LinkAudit{uuid.uuid4().hex[:8]}"
    body = _named(
        call(*MATAC),
        f"query {marker}($id: ID!) {{ person(id: $id) {{ identityLinks {{ record {{ localId }} "
        "comparisons { comparison } } } }",
        marker,
        id=world["ids"]["perp"],
    )
    assert body["data"]["person"]["identityLinks"]
    event = next(e for e in _events(data_dir) if e.get("operation") == marker)
    assert world["ids"]["perp"] in event["persons"]
    assert {"person.local_id", "person.dob", "person.identifiers"} <= set(event["fields"])
    assert "person.postcode" not in event["fields"]


# --- 2. the policy in words ----------------------------------------------------------------------------------------

EXPLAIN = """query E($t: String!, $f: String, $a: String) { explain(recordType: $t, field: $f, agency: $a) {
  allowed reasons field source purpose agreement { id version title } } }"""
PURPOSES = """{ purposes { code description access agreement { id version title } justificationRequired
  justificationPattern justificationDescription } }"""


def _cli_explain(data_dir: Path, who: tuple[str, str, str, str | None], key: str, source: str) -> list[str]:
    agency, role, purpose, justification = who
    args = ["agreements", "explain", "--agency", agency, "--role", role, "--purpose", purpose, "--field", key]
    args += ["--source", source] + (["--justification", justification] if justification else [])
    done = run_hub(data_dir, *args)
    assert done.returncode in (0, 1), done.stderr
    return [line.removeprefix("  - ") for line in done.stdout.splitlines()[1:]]


@pytest.mark.parametrize(
    ("who", "record_type", "field", "source", "allowed"),
    [
        (MATAC, "person", "postcode", POLICE, True),
        (MATAC, "person", "dob", NHS, False),
        (MATAC, "incident", "victims", PROBATION, False),
        (DVDS, "incident", "victims", POLICE, False),
        (DVDS, "person", "dob", POLICE, True),
        (MARAC, "support_need", "need", NHS, True),
        (SCHOOL, "incident", "perpetrators", POLICE, False),
        (RESEARCH, "incident", "category", POLICE, True),
    ],
)
def test_explain_says_what_the_cli_says(
    call: Any, data_dir: Path, who: Any, record_type: str, field: str, source: str, allowed: bool
) -> None:
    found = call(*who).ask(EXPLAIN, t=record_type, f=field, a=source)["data"]["explain"]
    assert found["allowed"] is allowed and found["field"] == f"{record_type}.{field}" and found["source"] == source
    assert found["reasons"] == _cli_explain(data_dir, who, f"{record_type}.{field}", source)
    assert found["purpose"] == who[2] and found["agreement"]["id"]


def test_explain_a_record_type_and_the_callers_own_agency(call: Any, data_dir: Path) -> None:
    shared = call(*MATAC).ask(EXPLAIN, t="incident")["data"]["explain"]
    assert shared["allowed"] and shared["source"] == POLICE and shared["field"] == "incident.local_id"
    assert shared["reasons"] == _cli_explain(data_dir, MATAC, "incident.local_id", POLICE)
    health = call(*MATAC).ask(EXPLAIN, t="person", a=NHS)["data"]["explain"]
    assert not health["allowed"] and health["reasons"] == _cli_explain(data_dir, MATAC, "person.local_id", NHS)
    research = call(*RESEARCH).ask(EXPLAIN, t="incident", a=POLICE)["data"]["explain"]
    assert research["allowed"] and research["field"] != "incident.local_id"  # counts: shared, without references


def test_explain_without_a_purpose_or_a_token(call: Any, server: str) -> None:
    undeclared = call(POLICE, "matac-analyst", None).ask(EXPLAIN, t="incident")["data"]["explain"]
    assert undeclared == {
        "allowed": False,
        "reasons": ["no purpose declared (send the X-Purpose header)"],
        "field": "incident.local_id",
        "source": POLICE,
        "purpose": None,
        "agreement": None,
    }
    wrong = call(*MATAC)
    wrong.justification = "MARAC-1"
    refused = wrong.ask(EXPLAIN, t="incident")["data"]["explain"]
    assert not refused["allowed"] and any("does not look like 'MATAC-*'" in r for r in refused["reasons"])
    anonymous = httpx.post(f"{server}/graphql", json={"query": '{ explain(recordType: "incident") { allowed } }'})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN" and anonymous.json()["data"] is None
    bad = call(*MATAC).ask(EXPLAIN, t="nonsense")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("agency", "role", "codes"),
    [
        (POLICE, "matac-analyst", ["matac-tasking"]),
        (POLICE, "dvds-officer", ["dvds-disclosure"]),
        (SCHOOLS, "safeguarding-lead", ["operation-encompass"]),
        ("tees-dap", "researcher", ["research-statistics"]),
        (NHS, "matac-analyst", []),  # the NHS is no MATAC recipient
        (POLICE, "submitter", []),
    ],
)
def test_purposes_before_any_purpose_is_declared(call: Any, agency: str, role: str, codes: list[str]) -> None:
    found = call(agency, role, None).ask(PURPOSES)["data"]["purposes"]
    assert [p["code"] for p in found] == codes
    if agency == POLICE and role == "matac-analyst":
        (matac,) = found
        assert matac["agreement"]["id"] == "tees-matac" and matac["access"] == "records"
        assert matac["justificationRequired"] and matac["justificationPattern"] == "MATAC-*"


def test_purposes_refuse_anonymous_callers(server: str) -> None:
    body = httpx.post(f"{server}/graphql", json={"query": "{ purposes { code } }"}).json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- 3. investigations ---------------------------------------------------------------------------------------------

SAVE = """mutation S($name: String!, $view: InvestigationInput!) { saveInvestigation(name: $name, view: $view) {
  id name purpose justification personIds people { id records { agency localId } }
  filters { area agency from to centrePersonId hops } } }"""
OPEN = """query O($id: ID!) { investigation(id: $id) { id name purpose personIds people { id }
  filters { centrePersonId area } } }"""
LIST = "{ investigations { id name personIds } }"
FAKE = "HP-0123456789AB"


def _save(caller: Any, name: str, people: list[str], **filters: Any) -> dict[str, Any]:
    body = caller.ask(SAVE, name=name, view={"personIds": people, "filters": filters or None})
    assert "errors" not in body, body
    return body["data"]["saveInvestigation"]


def test_an_investigation_keeps_only_the_people_the_caller_may_see(call: Any, world: dict[str, Any]) -> None:
    ids = world["ids"]
    saved = _save(
        call(*MATAC),
        "Perp network",
        [ids["perp"], ids["vic"], ids["nhsonly"], FAKE, ids["perp"]],
        area="ts18",
        agency=POLICE,
        centrePersonId=ids["perp"],
        hops=2,
        **{"from": "2026-01-01", "to": "2026-12-31"},
    )
    assert saved["personIds"] == [ids["perp"], ids["vic"]] and [p["id"] for p in saved["people"]] == saved["personIds"]
    assert saved["purpose"] == "matac-tasking" and saved["justification"] == "MATAC-UI"
    assert saved["filters"] == {
        "area": "TS18", "agency": POLICE, "from": "2026-01-01", "to": "2026-12-31", "centrePersonId": ids["perp"],
        "hops": 2,
    }  # fmt: skip
    opened = call(*MATAC).ask(OPEN, id=saved["id"])["data"]["investigation"]
    assert opened["personIds"] == [ids["perp"], ids["vic"]] and opened["name"] == "Perp network"
    listed = call(*MATAC).ask(LIST)["data"]["investigations"]
    assert listed[0]["id"] == saved["id"]  # newest first


def test_a_hidden_person_and_a_made_up_one_save_alike(call: Any, world: dict[str, Any]) -> None:
    ids = world["ids"]

    def blotted(saved: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in saved.items() if k != "id"}

    hidden = _save(call(*MATAC), "x", [ids["nhsonly"]], centrePersonId=ids["nhsonly"])
    made_up = _save(call(*MATAC), "x", [FAKE], centrePersonId=FAKE)
    assert (
        blotted(hidden) == blotted(made_up)
        and hidden["personIds"] == []
        and hidden["filters"]["centrePersonId"] is None
    )


def test_nobody_else_and_no_other_purpose_sees_an_investigation(call: Any, world: dict[str, Any]) -> None:
    ids = world["ids"]
    saved = _save(call(*MATAC), "Only mine, only MATAC", [ids["perp"]])
    for who in (MARAC, DVDS, PROBATION_MATAC):  # same subject under other purposes; another agency, same purpose
        caller = call(*who)
        opened = caller.ask(OPEN, id=saved["id"])
        assert "errors" not in opened and opened["data"] == {"investigation": None}
        assert saved["id"] not in json.dumps(caller.ask(LIST))
    for who in (SCHOOL, RESEARCH):
        body = call(*who).ask(OPEN, id=saved["id"])
        if who is RESEARCH:
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN" and body["data"] == {"investigation": None}
        else:
            assert "errors" not in body and body["data"] == {"investigation": None}
    undeclared = call(POLICE, "matac-analyst", None).ask(OPEN, id=saved["id"])
    assert undeclared["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert call(*MATAC).ask(OPEN, id="INV-0000000000000000")["data"] == {"investigation": None}


def test_a_school_saves_its_pupils_and_never_an_adult(call: Any, world: dict[str, Any]) -> None:
    ids = world["ids"]
    saved = _save(call(*SCHOOL), "Pupil", [ids["kid"], ids["perp"], ids["vic"]])
    assert saved["personIds"] == [ids["kid"]]
    assert {r["agency"] for p in saved["people"] for r in p["records"]} <= {SCHOOLS, POLICE}


@pytest.mark.parametrize(
    ("name", "people", "filters"),
    [
        ("", [], None),
        ("x" * 121, [], None),
        ("ok", [FAKE] * 501, None),
        ("ok", ["HP-notanid"], None),
        ("ok", ["hp-0123456789ab"], None),
        ("ok", [], {"hops": 4}),
        ("ok", [], {"area": "TS18 1AA"}),
        ("ok", [], {"agency": "Not An Agency"}),
        ("ok", [], {"from": "2026-02-01", "to": "2026-01-01"}),
        ("ok", [], {"centrePersonId": "somebody"}),
    ],
)
def test_investigation_input_is_validated(call: Any, name: str, people: list[str], filters: Any) -> None:
    body = call(*MATAC).ask(SAVE, name=name, view={"personIds": people, "filters": filters})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body


def test_saving_and_opening_are_audited(call: Any, world: dict[str, Any], data_dir: Path) -> None:
    ids = world["ids"]
    saved = _save(call(*MATAC), "Audited", [ids["perp"], ids["nhsonly"]])
    marker = f"OpenAudit{uuid.uuid4().hex[:8]}"
    query = f"query {marker}($id: ID!) {{ investigation(id: $id) {{ personIds }} }}"
    opened = _named(call(*MATAC), query, marker, id=saved["id"])
    assert opened["data"]["investigation"]["personIds"] == [ids["perp"]]
    events = _events(data_dir)
    reasons = [r for e in events for r in e["reasons"]]
    assert f"investigation {saved['id']} save requested" in reasons and f"investigation {saved['id']} saved" in reasons
    (event,) = [e for e in events if e.get("operation") == marker]
    assert event["persons"] == [ids["perp"]] and f"investigation {saved['id']} opened" in event["reasons"]
    assert ids["nhsonly"] not in json.dumps(events)  # a hidden person is named nowhere in the trail


def _named(caller: Any, query: str, name: str, **variables: Any) -> dict[str, Any]:
    """A request with its operation name, which the audit event records."""
    headers = {"authorization": f"Bearer {caller.token}", "x-purpose": caller.purpose}
    headers |= {"x-justification": caller.justification} if caller.justification else {}
    body = {"query": query, "variables": variables, "operationName": name}
    response = httpx.post(f"{caller.base}/graphql", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _events(data_dir: Path) -> list[dict[str, Any]]:
    done = run_hub(data_dir, "audit", "events", "--limit", "100000", "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
