"""Decisions: deny by default, the governing version's obligations, and explanations that never contradict Cedar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hub.policy import AgreementSet, Asker, Decider, Grant, explain_field, load_agreements, why_not
from hub.policy.catalogue import FIELDS
from tests.helpers import REPO

DEMO = REPO / "agreements"
INSIDE = dt.date(2026, 1, 1)  # every demo agreement is in force; tees-matac v2 governs
# the versions that list what each party contributes (DVDS, Operation Encompass and research v1 and v2 list nothing,
# so under them no record flows)
CURRENT = dt.date(2027, 1, 1)

MATAC = Asker("u1", "cleveland-police", frozenset({"matac-analyst"}))
DVDS = Asker("u2", "cleveland-police", frozenset({"dvds-officer"}))
SCHOOL = Asker("u3", "stockton-schools", frozenset({"safeguarding-lead"}))
RESEARCHER = Asker("u4", "tees-dap", frozenset({"researcher"}))
AUDITOR = Asker("u5", "tees-dap", frozenset({"auditor"}))


@pytest.fixture(scope="module")
def demo() -> AgreementSet:
    return load_agreements(DEMO)


@pytest.fixture(scope="module")
def decider(demo: AgreementSet) -> Decider:
    return Decider(demo)


def _variant(tmp_path: Path, file: str, old: str, new: str) -> AgreementSet:
    """The demo agreements with one line of one file changed."""
    directory = tmp_path / "agreements"
    directory.mkdir(parents=True)
    for path in DEMO.glob("*.yaml"):
        text = path.read_text()
        if path.name == file:
            assert old in text
            text = text.replace(old, new)
        (directory / path.name).write_text(text)
    return load_agreements(directory)


def _denied(grant: Grant, *words: str) -> None:
    assert not grant.allowed and not grant.visible and not grant.audit and not grant.records
    assert grant.agreement is None and grant.reasons
    text = " | ".join(grant.reasons)
    for word in words:
        assert word in text, text


# --- deny by default -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asker", "purpose", "justification", "day", "words"),
    [
        (MATAC, None, "MATAC-1", INSIDE, ["no purpose declared (send the X-Purpose header)"]),
        (MATAC, "", "MATAC-1", INSIDE, ["no purpose declared"]),
        (MATAC, "gossip", "MATAC-1", INSIDE, ["no agreement covers purpose 'gossip'", "matac-tasking"]),
        (
            Asker("u", "tees-nhs", frozenset({"matac-analyst"})),
            "matac-tasking",
            "MATAC-1",
            INSIDE,
            ["tees-matac v2 does not name agency 'tees-nhs' as a recipient for 'matac-tasking'"],
        ),
        (
            Asker("u", "cleveland-police", frozenset({"marac-coordinator"})),
            "matac-tasking",
            "MATAC-1",
            INSIDE,
            ["open to 'cleveland-police' staff with role matac-analyst; the caller has marac-coordinator"],
        ),
        (Asker("u", "cleveland-police", frozenset()), "matac-tasking", "MATAC-1", INSIDE, ["the caller has no role"]),
        (MATAC, "matac-tasking", None, INSIDE, ["requires a justification (the MATAC panel case reference)"]),
        (MATAC, "matac-tasking", "", INSIDE, ["requires a justification"]),
        (MATAC, "matac-tasking", "MARAC-1", INSIDE, ["does not look like 'MATAC-*'"]),
        (MATAC, "matac-tasking", "matac-1", INSIDE, ["does not look like 'MATAC-*'"]),  # case matters
        (MATAC, "matac-tasking", "MATAC-1", dt.date(2028, 3, 31), ["tees-matac v4", "expired on 2028-03-31"]),
        (MATAC, "matac-tasking", "MATAC-1", dt.date(2024, 3, 31), ["tees-matac v1", "takes effect on 2024-04-01"]),
        (DVDS, "dvds-disclosure", "DVDS-1", dt.date(2025, 3, 31), ["takes effect on 2025-04-01"]),
        (AUDITOR, "audit", None, INSIDE, ["'audit' requires a justification (the audit or subject access"]),
        (RESEARCHER, "audit", "SAR-1", INSIDE, ["open to 'tees-dap' staff with role auditor"]),
    ],
)
def test_deny_by_default_with_a_reason_in_words(
    decider: Decider, asker: Asker, purpose: str | None, justification: str | None, day: dt.date, words: list[str]
) -> None:
    _denied(decider.grant(asker, purpose, justification, day), *words)


@pytest.mark.parametrize("status", ["suspended", "draft"])
def test_a_suspended_or_draft_version_authorises_nothing(tmp_path: Path, status: str) -> None:
    agreements = _variant(tmp_path, "dvds.v1.yaml", "status: active", f"status: {status}")
    _denied(
        Decider(agreements).grant(DVDS, "dvds-disclosure", "DVDS-1", INSIDE),
        f"cleveland-dvds v1 for 'dvds-disclosure' is {status} and authorises nothing",
    )


def test_a_suspended_newest_version_does_not_fall_back_to_the_older_one(tmp_path: Path) -> None:
    agreements = _variant(tmp_path, "matac.v2.yaml", "status: active", "status: suspended")
    decider = Decider(agreements)
    _denied(decider.grant(MATAC, "matac-tasking", "MATAC-1", INSIDE), "tees-matac v2 for 'matac-tasking' is suspended")
    assert decider.grant(MATAC, "matac-tasking", "MATAC-1", dt.date(2025, 9, 30)).agreement_label == "tees-matac v1"


def test_a_version_replaced_on_its_first_day_never_authorises(tmp_path: Path) -> None:
    """v2 suspended from the day v1 took effect: Cedar must not keep v1's permits alive beside it."""
    agreements = _variant(
        tmp_path,
        "matac.v2.yaml",
        "status: active\neffective_from: 2025-10-01",
        "status: suspended\neffective_from: 2024-04-01",
    )
    decider = Decider(agreements)
    for day in (dt.date(2024, 4, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)):
        _denied(decider.grant(MATAC, "matac-tasking", "MATAC-1", day), "tees-matac v2 for 'matac-tasking' is suspended")


def test_a_gap_and_a_dropped_purpose_are_explained_as_they_are(tmp_path: Path) -> None:
    gap = _variant(tmp_path / "gap", "matac.v2.yaml", "effective_from: 2025-10-01", "effective_from: 2026-06-01")
    # v1 expires 2026-03-31, v2 starts 2026-06-01
    grant = Decider(gap).grant(MATAC, "matac-tasking", "MATAC-1", dt.date(2026, 4, 1))
    _denied(grant, "tees-matac v2 for 'matac-tasking' takes effect on 2026-06-01")
    dropped = _variant(tmp_path / "dropped", "matac.yaml", "  matac-tasking:", "  matac-panel:")
    grant = Decider(dropped).grant(MATAC, "matac-tasking", "MATAC-1", dt.date(2027, 1, 1))
    _denied(grant, "tees-matac v4 no longer covers purpose 'matac-tasking'")


# --- obligations ---------------------------------------------------------------------------------------------------


def test_dvds_shares_the_subjects_history_with_the_year_of_birth_only(decider: Decider) -> None:
    grant = decider.grant(DVDS, "dvds-disclosure", "DVDS-2026-001", CURRENT)
    assert grant.allowed and grant.records and grant.agreement_label == "cleveland-dvds v3"
    assert grant.reasons == ("allowed by cleveland-dvds v3 for dvds-disclosure",) and grant.warnings == ()
    assert grant.fields("person", "cleveland-police") == {
        "local_id": None,
        "given_name": None,
        "family_name": None,
        "other_names": None,
        "dob": "year",
    }
    assert grant.sources("incident") == ["cleveland-police"]  # probation contributes no incidents
    assert grant.sources("order") == ["cleveland-police", "probation-ne"]
    assert grant.may_see("incident", "perpetrators", "cleveland-police")
    assert not grant.may_see("incident", "victims", "cleveland-police")  # earlier victims are third parties
    assert not grant.may_see("person", "dob", "tees-nhs")
    assert grant.cutoff == dt.date(2017, 1, 1)


def test_a_version_listing_no_contributions_lets_nothing_flow_and_says_why(decider: Decider) -> None:
    _denied(
        decider.grant(DVDS, "dvds-disclosure", "DVDS-1", INSIDE),
        "no source of cleveland-dvds v1 for 'dvds-disclosure' contributes a record type it shares",
    )


def test_matac_masks_postcodes_to_the_district_from_v2(decider: Decider) -> None:
    v2 = decider.grant(MATAC, "matac-tasking", "MATAC-7", INSIDE)
    v1 = decider.grant(MATAC, "matac-tasking", "MATAC-7", dt.date(2025, 9, 30))
    assert (v1.agreement_label, v2.agreement_label) == ("tees-matac v1", "tees-matac v2")
    assert v2.fields("person", "probation-ne")["postcode"] == "district"
    assert v1.fields("person", "probation-ne")["postcode"] is None
    assert v1.sources("person") == ["cleveland-police", "probation-ne", "stockton-childrens", "tees-nhs"]
    assert set(v2.sources("person")) == {*v1.sources("person"), "thirteen-housing", "harbour-idva"}
    assert v1.cutoff == dt.date(2022, 9, 30) and v2.cutoff == dt.date(2023, 1, 1)  # P3Y from the day asked


@pytest.mark.parametrize(
    ("asker", "purpose", "justification", "cutoff"),
    [
        (MATAC, "matac-tasking", "MATAC-1", dt.date(2024, 1, 1)),
        (Asker("u", "tees-nhs", frozenset({"marac-coordinator"})), "marac", "MARAC-1", dt.date(2025, 1, 1)),
        (DVDS, "dvds-disclosure", "DVDS-1", dt.date(2017, 1, 1)),
        (SCHOOL, "operation-encompass", None, dt.date(2026, 1, 1)),
        (RESEARCHER, "research-statistics", None, dt.date(2022, 1, 1)),
    ],
)
def test_retention_cutoff_comes_from_the_purpose(
    decider: Decider, asker: Asker, purpose: str, justification: str | None, cutoff: dt.date
) -> None:
    grant = decider.grant(asker, purpose, justification, CURRENT)
    assert grant.allowed and grant.cutoff == cutoff


def test_operation_encompass_tells_a_school_about_the_child_and_nothing_about_the_adults(decider: Decider) -> None:
    grant = decider.grant(SCHOOL, "operation-encompass", None, CURRENT)  # no justification needed
    assert grant.allowed and grant.records and grant.terms is not None
    child = {  # schools contribute their rolls (person records), never incidents
        ("person", "cleveland-police"): {"local_id", "given_name", "family_name", "dob"},
        ("person", "stockton-schools"): {"local_id", "given_name", "family_name", "dob"},
        ("incident", "cleveland-police"): {"local_id", "occurred_at", "category", "children_present"},
    }
    assert {k: set(v) for k, v in grant.visible.items()} == child
    assert all(mask is None for rules in grant.visible.values() for mask in rules.values())
    for source in ("cleveland-police", "stockton-schools", "harbour-idva"):
        assert not grant.may_see("incident", "perpetrators", source)
        assert not grant.may_see("incident", "victims", source)
    assert (grant.terms.subject_scope, grant.terms.subject_max_age) == ("own-records", 17)


def test_research_statistics_is_counts_only(decider: Decider) -> None:
    grant = decider.grant(RESEARCHER, "research-statistics", None, CURRENT)
    assert grant.allowed and grant.aggregates and not grant.records
    assert grant.terms is not None and grant.terms.min_cell == 10
    assert grant.fields("incident", "cleveland-police") == dict.fromkeys(
        # the links are counted only: victims for repeat victimisation, perpetrators for the outcomes of tasking
        ["occurred_at", "category", "crime", "outcome", "harm_score", "perpetrators", "victims"]
    )
    assert not any(entity == "person" for entity, _ in grant.visible)


def test_the_audit_purpose_reads_the_trail_and_no_fields(decider: Decider) -> None:
    grant = decider.grant(AUDITOR, "audit", "SAR-2026-14", INSIDE)
    assert grant.allowed and grant.audit and grant.visible == {}
    assert not grant.records and not grant.aggregates
    assert grant.agreement_label == "tees-hub-oversight v1"


def test_a_review_overdue_warns_and_still_allows(decider: Decider) -> None:
    grant = decider.grant(DVDS, "dvds-disclosure", "DVDS-1", dt.date(2027, 4, 1))
    assert grant.allowed
    assert grant.warnings == ("cleveland-dvds v3 was due for review on 2027-03-31",)
    assert not decider.grant(DVDS, "dvds-disclosure", "DVDS-1", dt.date(2027, 3, 31)).warnings


def test_grants_are_cached_per_decider(demo: AgreementSet, decider: Decider) -> None:
    first = decider.grant(MATAC, "matac-tasking", "MATAC-1", INSIDE)
    assert decider.grant(MATAC, "matac-tasking", "MATAC-1", INSIDE) is first
    # the subject is not part of the decision
    assert decider.grant(Asker("other", MATAC.agency, MATAC.roles), "matac-tasking", "MATAC-1", INSIDE) is first
    assert decider.grant(MATAC, "matac-tasking", "MATAC-2", INSIDE) is not first
    assert decider.grant(MATAC, "matac-tasking", None, INSIDE) is decider.grant(MATAC, "matac-tasking", "", INSIDE)
    fresh = Decider(demo).grant(MATAC, "matac-tasking", "MATAC-1", INSIDE)
    assert fresh is not first and fresh == first


def test_the_cache_is_bounded(demo: AgreementSet) -> None:
    decider = Decider(demo, cache_size=2)
    first = decider.grant(MATAC, "matac-tasking", "MATAC-1", INSIDE)
    decider.grant(MATAC, "matac-tasking", "MATAC-2", INSIDE)
    decider.grant(MATAC, "matac-tasking", "MATAC-3", INSIDE)
    assert decider.grant(MATAC, "matac-tasking", "MATAC-1", INSIDE) is not first


# --- the explanation never contradicts Cedar -----------------------------------------------------------------------


def assert_explanations_match(
    agreements: AgreementSet, decider: Decider, asker: Asker, purpose: str, justification: str | None, day: dt.date
) -> None:
    """For every catalogue field from every source: explain_field's verdict is Cedar's, with the same mask."""
    grant = decider.grant(asker, purpose, justification, day)
    assert grant.allowed == (
        purpose != "" and not why_not(agreements, asker.agency, asker.roles, purpose, justification or "", day)
    )
    if not grant.allowed:
        assert grant.reasons
    governing = agreements.for_purpose(purpose, day)
    for field in FIELDS.values():
        for source in [*agreements.agencies, "no-such-agency"]:
            allowed, reasons = explain_field(
                agreements,
                agency=asker.agency,
                roles=asker.roles,
                purpose=purpose,
                field=field.key,
                source=source,
                justification=justification or "",
                today=day,
            )
            context = (asker, purpose, justification, day, field.key, source, reasons)
            assert allowed == grant.may_see(field.entity, field.name, source), context
            assert reasons, context
            if allowed:
                assert governing is not None and grant.agreement == governing
                mask = governing.purposes[purpose].masks.get(field.key)
                assert grant.fields(field.entity, source)[field.name] == mask, context


def _askers(agreements: AgreementSet) -> list[Asker]:
    """Every recipient (agency, role) of any purpose, which is a non-recipient of the others, and some strangers."""
    pairs = sorted(
        {
            (agency, role)
            for a in agreements.agreements
            for p in a.purposes.values()
            for agency, roles in p.recipients.items()
            for role in roles
        }
    )
    roles = frozenset(role for _, role in pairs)
    return [
        *(Asker("s", agency, frozenset({role})) for agency, role in pairs),
        *(Asker("s", agency, roles) for agency in sorted({agency for agency, _ in pairs})),  # every role at once
        Asker("s", "cleveland-police", frozenset()),
        Asker("s", "no-such-agency", roles),
        Asker("s", "stockton-schools", frozenset({"matac-analyst", "submitter"})),
    ]


def _edges(agreements: AgreementSet) -> list[dt.date]:
    """The last day before and the first day of each version's window, its last day, and the day after its review."""
    one = dt.timedelta(days=1)
    days = set()
    for a in agreements.agreements:
        start, end = agreements.window(a)
        days |= {start - one, start, end - one, end, a.review_by + one}
    return sorted(days)


def _justifications(agreements: AgreementSet) -> list[str | None]:
    likes = sorted({p.justification.like or "" for a in agreements.agreements for p in a.purposes.values()} - {""})
    made = [like.replace("*", "2026/14") for like in likes] + [like.replace("*", "") for like in likes]
    return [*made, "matac-1", "x-MATAC-1", "MATAC-1\nDVDS-1", "DVDS-*", "SAR 17", "", None]


DEMO_SET = load_agreements(DEMO)
DEMO_DECIDER = Decider(DEMO_SET)
CASES = st.tuples(
    st.sampled_from(_askers(DEMO_SET)),
    st.sampled_from([*DEMO_SET.purposes, "gossip", ""]),
    st.one_of(st.sampled_from(_justifications(DEMO_SET)), st.text(max_size=12)),
    st.one_of(st.sampled_from(_edges(DEMO_SET)), st.dates(dt.date(2023, 1, 1), dt.date(2029, 12, 31))),
)


@settings(max_examples=40, deadline=None)
@given(CASES)
@example((MATAC, "matac-tasking", "MATAC-1", dt.date(2025, 9, 30)))
@example((MATAC, "matac-tasking", "MATAC-1", dt.date(2025, 10, 1)))
@example((DVDS, "dvds-disclosure", "DVDS-1", INSIDE))
@example((SCHOOL, "operation-encompass", None, INSIDE))
@example((RESEARCHER, "research-statistics", None, INSIDE))
@example((AUDITOR, "audit", "SAR-1", INSIDE))
def test_explanations_match_cedar_on_the_demo_agreements(case: tuple[Asker, str, str | None, dt.date]) -> None:
    """Anyone, any purpose, any justification, any day: sampled from the whole space on every run."""
    assert_explanations_match(DEMO_SET, DEMO_DECIDER, *case)


@pytest.mark.parametrize("purpose", DEMO_SET.purposes)
def test_explanations_match_cedar_for_every_recipient_and_around_every_window(purpose: str) -> None:
    """Exhaustive where it matters: each of the purpose's recipients rightly, wrongly and not justified, and the first
    of them on the days around each version's window and review date."""
    versions = [a for a in DEMO_SET.agreements if purpose in a.purposes]
    like = versions[-1].purposes[purpose].justification.like
    good = like.replace("*", "2026/1") if like else "REF-1"
    recipients = [
        Asker("s", agency, roles) for agency, roles in sorted(versions[-1].purposes[purpose].recipients.items())
    ]
    for asker in recipients:
        for justification in (good, None, "BAD-1"):
            assert_explanations_match(DEMO_SET, DEMO_DECIDER, asker, purpose, justification, INSIDE)
    for day in _edges(AgreementSet(tuple(a for a in DEMO_SET.agreements if a.id == versions[0].id))):
        assert_explanations_match(DEMO_SET, DEMO_DECIDER, recipients[0], purpose, good, day)


TRICKY = """\
id: tricky
version: {version}
status: {status}
effective_from: {start}
review_by: {review}
expires: {end}
title: Tricky
controller: Test board
lawful_basis: [test]
parties: {{agency-a: {{name: A}}, agency-b: {{name: B}}}}
purposes:
"""


def _records(code: str, share: str, mask: str = "", like: str = "") -> str:
    justification = f"{{required: true, like: {like!r}}}" if like else "{required: true}"
    return (
        f"  {code}:\n    description: d\n    access: records\n    recipients: {{agency-a: [r1], agency-b: [r2]}}\n"
        f"    justification: {justification}\n    sources: [agency-a]\n    share: {{person: [{share}]}}\n"
        f"    mask: {{{mask}}}\n"
    )


_COUNTS = (
    "  counts:\n    description: d\n    access: aggregates\n    recipients: {agency-b: [r2]}\n"
    "    sources: [agency-a, agency-b]\n    min_cell: 5\n    share: {incident: [category, occurred_at]}\n"
)


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> AgreementSet:
    """Versions that start the same day, are suspended or draft, leave gaps, drop and add purposes."""
    main, counts = _records, _COUNTS
    versions = [  # status, effective_from, review_by, expires; purposes. v2 replaces v1 on its first day
        ("active 2025-01-01 2025-06-01 2027-01-01", main("main", "local_id, dob") + main("gone", "gender")),
        ("active 2025-01-01 2025-06-01 2027-01-01", main("main", "dob, postcode", "person.dob: month", "C-*-X")),
        ("suspended 2025-06-01 2025-06-01 2027-01-01", main("main", "dob")),
        ("active 2025-09-01 2025-10-01 2025-12-01", main("main", "given_name", "person.given_name: initial") + counts),
        ("draft 2026-03-01 2026-03-01 2027-01-01", main("main", "dob")),  # after a gap
        ("active 2026-06-01 2026-07-01 2027-01-01", counts),  # main is dropped
    ]
    directory = tmp_path_factory.mktemp("tricky")
    for version, (terms, purposes) in enumerate(versions, start=1):
        status, start, review, end = terms.split()
        text = TRICKY.format(version=version, status=status, start=start, review=review, end=end)
        (directory / f"tricky.v{version}.yaml").write_text(text + purposes)
    return load_agreements(directory)


def test_explanations_match_cedar_on_tricky_versions(tricky: AgreementSet) -> None:
    decider = Decider(tricky)
    a, b, stranger = (
        Asker("s", "agency-a", frozenset({"r1"})),
        Asker("s", "agency-b", frozenset({"r2"})),
        Asker("s", "agency-b", frozenset({"r1"})),
    )
    for day in _edges(tricky):
        cases = [(a, "main", j) for j in ("C-1-X", "C-1-Y", None)]  # v1 and v4 want any reference, v2 a pattern
        cases += [
            (b, "main", "C-1-X"),
            (stranger, "main", "C-1-X"),
            (a, "gone", "C-1-X"),
            (a, "counts", None),
            (b, "counts", None),
        ]
        for asker, purpose, justification in cases:
            assert_explanations_match(tricky, decider, asker, purpose, justification, day)
