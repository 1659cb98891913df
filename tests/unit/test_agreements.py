"""Agreements load from YAML, and every mistake an IG officer can make is reported with its file and place."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hub.policy import AgreementError, load_agreements
from hub.policy.agreements import Period, parse_agreement
from hub.policy.archive import archive_versions
from hub.policy.cedar import compile_agreements
from tests.helpers import REPO

DEMO = REPO / "agreements"

GOOD = """\
id: test-dsa
version: 1
title: Test agreement
status: active
effective_from: 2025-01-01
review_by: 2026-01-01
expires: 2027-01-01
controller: Test partnership board
lawful_basis: ["UK GDPR Article 6(1)(e)"]
parties:
  agency-a: {name: Agency A}
  agency-b: {name: Agency B, contributes: [person, incident]}
purposes:
  test-purpose:
    description: Testing.
    access: records
    recipients:
      agency-a: [analyst]
    justification: {required: true, like: "CASE-*"}
    sources: [agency-a, agency-b]
    retention: P1Y
    share:
      person: [local_id, given_name, dob, postcode]
      incident: [local_id, occurred_at]
    mask:
      person.dob: year
"""
AT = "purposes.test-purpose"


def doc(**changes: Any) -> dict[str, Any]:
    """GOOD as data, with ``a__b=value`` setting ``doc["a"]["b"]`` (``None`` deletes it)."""
    data: dict[str, Any] = yaml.safe_load(GOOD)
    for path, value in changes.items():
        *parents, last = path.replace("PURPOSE", "purposes__test-purpose").split("__")
        target = data
        for key in parents:
            target = target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return data


def text(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


def problems(data: dict[str, Any] | bytes, file: str = "dsa.yaml") -> list[str]:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(data if isinstance(data, bytes) else text(data), file)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def write(directory: Path, files: dict[str, dict[str, Any] | bytes]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data if isinstance(data, bytes) else text(data))
    return directory


def test_the_demo_agreements_load_validate_and_compile() -> None:
    agreements = load_agreements(DEMO)
    assert sorted(a.label for a in agreements.agreements) == [
        "cleveland-dvds v1",
        "cleveland-dvds v2",
        "cleveland-dvds v3",
        "stockton-operation-encompass v1",
        "stockton-operation-encompass v2",
        "stockton-operation-encompass v3",
        "tees-da-statistics v1",
        "tees-da-statistics v2",
        "tees-da-statistics v3",
        "tees-da-statistics v4",
        "tees-hub-oversight v1",
        "tees-marac v1",
        "tees-marac v2",
        "tees-matac v1",
        "tees-matac v2",
        "tees-matac v3",
        "tees-matac v4",
    ]
    assert agreements.purposes == [
        "audit",
        "dvds-disclosure",
        "marac",
        "matac-tasking",
        "operation-encompass",
        "research-statistics",
    ]
    for a in agreements.agreements:
        assert a == parse_agreement((DEMO / a.file).read_bytes(), a.file)
    assert "permit" in compile_agreements(agreements).text


def test_the_good_minimal_agreement_is_valid() -> None:
    agreement = parse_agreement(GOOD.encode(), "dsa.yaml")
    purpose = agreement.purposes["test-purpose"]
    assert (agreement.label, agreement.file) == ("test-dsa v1", "dsa.yaml")
    assert agreement.effective_from == dt.date(2025, 1, 1)
    person = {"person.local_id", "person.given_name", "person.dob", "person.postcode"}
    assert purpose.fields == person | {"incident.local_id", "incident.occurred_at"}
    assert purpose.masks == {"person.dob": "year"}
    assert purpose.retention == Period(years=1)
    assert purpose.admits("agency-a", ["analyst", "other"]) and not purpose.admits("agency-b", ["analyst"])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(doc(controller=None), "dsa.yaml: (top): 'controller' is a required property", id="missing-key"),
        pytest.param(doc(signed_by="me"), "dsa.yaml: (top): Additional properties", id="unknown-key"),
        pytest.param(doc(status="live"), "dsa.yaml: status: 'live' is not one of", id="bad-status"),
        pytest.param(doc(expires="2027-02-30"), "dsa.yaml: expires: '2027-02-30' is not a 'date'", id="bad-date"),
        pytest.param(doc(PURPOSE__retention="P"), f"dsa.yaml: {AT}.retention: 'P' does not match", id="empty-period"),
        pytest.param(
            doc(PURPOSE__retention="P9999Y"), f"dsa.yaml: {AT}.retention: 'P9999Y' does not match", id="huge-period"
        ),
        pytest.param(
            doc(PURPOSE__share={"person": ["local_id", "shoe_size"]}),
            f"dsa.yaml: {AT}.share.person: unknown field 'shoe_size' (known: local_id, given_name, family_name,",
            id="unknown-field",
        ),
        pytest.param(
            doc(PURPOSE__share={"person": ["shoe_size"]}, PURPOSE__mask={"person.shoe_size": "year"}),
            f"dsa.yaml: {AT}.share.person: unknown field 'shoe_size'",
            id="unknown-field-masked",
        ),
        pytest.param(
            doc(PURPOSE__mask={"person.family_name": "initial"}),
            f"dsa.yaml: {AT}.mask.person.family_name: masks a field the purpose does not share",
            id="mask-unshared",
        ),
        pytest.param(
            doc(PURPOSE__mask={"person.given_name": "year"}),
            f"dsa.yaml: {AT}.mask.person.given_name: 'year' does not apply to a text field",
            id="mask-kind",
        ),
        pytest.param(
            doc(PURPOSE__mask={"person.dob": "district"}),
            f"dsa.yaml: {AT}.mask.person.dob: 'district' does not apply to a date field",
            id="mask-kind-date",
        ),
        pytest.param(
            doc(PURPOSE__recipients={"agency-c": ["analyst"]}),
            f"dsa.yaml: {AT}.recipients: 'agency-c' is not a party to the agreement",
            id="recipient-not-party",
        ),
        pytest.param(
            doc(PURPOSE__sources=["agency-a", "agency-c"]),
            f"dsa.yaml: {AT}.sources: 'agency-c' is not a party to the agreement",
            id="source-not-party",
        ),
        pytest.param(
            doc(PURPOSE__share={"support_need": ["local_id", "need"]}),
            f"dsa.yaml: {AT}: shares special category data (support_need.local_id, support_need.need) "
            "without a special_category_condition",
            id="special-category",
        ),
        pytest.param(
            doc(PURPOSE__access="aggregates", PURPOSE__mask=None),
            f"dsa.yaml: {AT}: aggregates access needs min_cell (small-number suppression)",
            id="aggregates-without-min-cell",
        ),
        pytest.param(
            doc(PURPOSE__min_cell=10), f"dsa.yaml: {AT}.min_cell: applies to aggregates access only", id="min-cell"
        ),
        pytest.param(
            doc(PURPOSE__sources=None),
            f"dsa.yaml: {AT}: records access needs fields to share and sources they may come from",
            id="no-sources",
        ),
        pytest.param(
            doc(PURPOSE__access="audit", PURPOSE__mask=None),
            f"dsa.yaml: {AT}: an audit purpose reads the audit trail only: it shares no fields and has no sources",
            id="audit-with-fields",
        ),
        pytest.param(
            doc(PURPOSE__justification={"required": False, "like": "CASE-*"}),
            f"dsa.yaml: {AT}.justification.like: a pattern needs required: true",
            id="like-not-required",
        ),
        pytest.param(
            doc(expires="2024-12-31", review_by="2024-12-31"),
            "dsa.yaml: expires: must be after effective_from",
            id="expires-before-effective",
        ),
        pytest.param(
            doc(review_by="2027-01-02"),
            "dsa.yaml: review_by: must fall between effective_from and expires",
            id="review-after-expiry",
        ),
        pytest.param(
            doc(review_by="2024-12-31"),
            "dsa.yaml: review_by: must fall between effective_from and expires",
            id="review-before-effective",
        ),
    ],
)
def test_each_mistake_is_named_with_its_file_and_place(data: dict[str, Any], expected: str) -> None:
    found = problems(data)
    assert any(p.startswith(expected) for p in found), found


def test_problems_are_exact_and_all_reported_at_once() -> None:
    data = doc(
        PURPOSE__recipients={"agency-c": ["analyst"]},
        PURPOSE__mask={"person.given_name": "year"},
        expires="2024-06-01",
    )
    assert problems(data) == [
        "dsa.yaml: expires: must be after effective_from",
        "dsa.yaml: review_by: must fall between effective_from and expires",
        f"dsa.yaml: {AT}.recipients: 'agency-c' is not a party to the agreement",
        f"dsa.yaml: {AT}.mask.person.given_name: 'year' does not apply to a text field",
    ]


def test_an_unknown_field_under_a_mask_is_one_problem_not_a_crash() -> None:
    data = doc(PURPOSE__share={"person": ["shoe_size"]}, PURPOSE__mask={"person.shoe_size": "year"})
    assert len(problems(data)) == 1


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"id: test-dsa\nparties: [unclosed\n", "dsa.yaml: line 3: not valid YAML"),
        (b"id: test-dsa\n  version: 1\n", "dsa.yaml: line 2: not valid YAML"),
        (b"", "dsa.yaml: (top): None is not of type 'object'"),
        (b"- a list\n", "dsa.yaml: (top): ['a list'] is not of type 'object'"),
    ],
)
def test_a_file_that_is_not_an_agreement_is_a_problem(raw: bytes, where: str) -> None:
    found = problems(raw)
    assert len(found) == 1 and found[0].startswith(where), found


def test_problems_across_files_are_reported_together(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "dsa",
        {
            "a.yaml": doc(),
            "b.yml": doc(title="Same version, other words"),
            "c.yaml": doc(id="other-dsa"),
            "d.yaml": doc(controller=None),
            "notes.txt": b"not an agreement, not read",
        },
    )
    with pytest.raises(AgreementError) as caught:
        load_agreements(directory)
    assert caught.value.problems == [
        "d.yaml: (top): 'controller' is a required property",
        "b.yml: version: test-dsa v1 is also defined in a.yaml",
        f"c.yaml: {AT}: already governed by agreement 'test-dsa'; a purpose belongs to one agreement",
    ]


def test_a_missing_directory_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match="no such directory \\(set HUB_AGREEMENTS_DIR\\)"):
        load_agreements(tmp_path / "absent")


def test_file_and_digest_identify_the_exact_text(tmp_path: Path) -> None:
    directory = write(tmp_path / "dsa", {"a.yaml": GOOD.encode()})
    (agreement,) = load_agreements(directory).agreements
    assert (agreement.file, agreement.digest) == ("a.yaml", hashlib.sha256(GOOD.encode()).hexdigest())


# --- periods -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("P3Y", Period(3, 0, 0)),
        ("P18M", Period(0, 18, 0)),
        ("P90D", Period(0, 0, 90)),
        ("P1Y2M3D", Period(1, 2, 3)),
        ("P0D", Period()),  # accepted: a zero period (only today's records would be inside it)
    ],
)
def test_period_parse_and_str_round_trip(text: str, period: Period) -> None:
    assert Period.parse(text) == period
    assert str(period) == text


@pytest.mark.parametrize("text", ["P", "", "3Y", "P1W", "PT1H", "P1.5Y", "P-1D", "p1y", "P1D2M", "P1Y "])
def test_period_parse_rejects_what_is_not_years_months_days(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        Period.parse(text)


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        ("P3Y", "2026-01-01", "2023-01-01"),
        ("P1M", "2025-01-15", "2024-12-15"),
        ("P1M", "2025-12-31", "2025-11-30"),  # clamped to the end of a short month
        ("P1M", "2023-03-31", "2023-02-28"),
        ("P1M", "2024-03-31", "2024-02-29"),  # leap year
        ("P1Y", "2024-02-29", "2023-02-28"),  # leap day to a common year
        ("P4Y", "2028-02-29", "2024-02-29"),
        ("P18M", "2026-08-31", "2025-02-28"),
        ("P1M1D", "2024-03-31", "2024-02-28"),  # clamp first, then the days
        ("P90D", "2025-03-01", "2024-12-01"),
        ("P0D", "2025-03-01", "2025-03-01"),
    ],
)
def test_period_before(period: str, day: str, expected: str) -> None:
    assert Period.parse(period).before(dt.date.fromisoformat(day)) == dt.date.fromisoformat(expected)


periods = st.builds(Period, st.integers(0, 200), st.integers(0, 2400), st.integers(0, 40_000))
days = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))


@given(periods, days)
def test_before_never_returns_a_later_day_and_round_trips(period: Period, day: dt.date) -> None:
    assert period.before(day) <= day
    assert Period.parse(str(period)) == period


@given(periods, st.integers(0, 400), days)
def test_before_is_monotone_and_days_are_exact(period: Period, extra: int, day: dt.date) -> None:
    longer = Period(period.years, period.months + extra, period.days)
    assert longer.before(day) <= period.before(day)
    calendar = Period(period.years, period.months)
    assert period.before(day) == calendar.before(day) - dt.timedelta(days=period.days)
    if day.day <= 28:  # nothing to clamp: the day of the month is kept
        assert calendar.before(day).day == day.day


# --- version windows -----------------------------------------------------------------------------------------------


def test_demo_matac_versions_govern_one_after_another() -> None:
    agreements = load_agreements(DEMO)
    v1, v2, v3, v4 = sorted((a for a in agreements.agreements if a.id == "tees-matac"), key=lambda a: a.version)
    assert agreements.window(v1) == (dt.date(2024, 4, 1), dt.date(2025, 10, 1))
    assert agreements.window(v2) == (dt.date(2025, 10, 1), dt.date(2026, 11, 23))
    assert agreements.window(v3) == (dt.date(2026, 11, 23), dt.date(2026, 12, 4))
    assert agreements.window(v4) == (dt.date(2026, 12, 4), dt.date(2028, 3, 31))

    def governing(day: str) -> str | None:
        agreement = agreements.for_purpose("matac-tasking", dt.date.fromisoformat(day))
        return agreement.label if agreement else None

    assert governing("2024-03-31") is None
    assert governing("2024-04-01") == "tees-matac v1"
    assert governing("2025-09-30") == "tees-matac v1"
    assert governing("2025-10-01") == "tees-matac v2"
    assert governing("2026-11-22") == "tees-matac v2"
    assert governing("2026-11-23") == "tees-matac v3"
    assert governing("2026-12-03") == "tees-matac v3"
    assert governing("2026-12-04") == "tees-matac v4"
    assert governing("2028-03-30") == "tees-matac v4"
    assert governing("2028-03-31") is None


def _versions(tmp_path: Path, *later: dict[str, Any]) -> Path:
    files: dict[str, dict[str, Any] | bytes] = {"v1.yaml": doc()}
    files.update({f"v{i + 2}.yaml": doc(version=i + 2, **changes) for i, changes in enumerate(later)})
    return write(tmp_path / "dsa", files)


@pytest.mark.parametrize("status", ["suspended", "draft"])
def test_a_newest_version_not_active_governs_and_there_is_no_fallback(tmp_path: Path, status: str) -> None:
    agreements = load_agreements(_versions(tmp_path, {"status": status, "effective_from": "2025-06-01"}))
    governing = agreements.for_purpose("test-purpose", dt.date(2025, 7, 1))
    assert governing is not None and (governing.version, governing.status) == (2, status)
    assert [a.label for a in agreements.in_force(dt.date(2025, 7, 1))] == ["test-dsa v2"]
    first = agreements.for_purpose("test-purpose", dt.date(2025, 5, 31))
    assert first is not None and first.version == 1


def test_a_later_version_from_the_same_day_or_earlier_replaces_the_older_entirely(tmp_path: Path) -> None:
    agreements = load_agreements(
        _versions(tmp_path, {"effective_from": "2025-01-01"}, {"effective_from": "2024-06-01"})
    )
    v1, v2, v3 = sorted(agreements.agreements, key=lambda a: a.version)
    for older in (v1, v2):
        start, end = agreements.window(older)
        assert end <= start  # never in force
    assert agreements.window(v3) == (dt.date(2024, 6, 1), dt.date(2027, 1, 1))
    for day in (dt.date(2024, 6, 1), dt.date(2025, 1, 1), dt.date(2026, 12, 31)):
        assert [a.label for a in agreements.in_force(day)] == ["test-dsa v3"]


def test_a_gap_between_versions_governs_nothing(tmp_path: Path) -> None:
    later = {"effective_from": "2027-06-01", "review_by": "2028-01-01", "expires": "2028-06-01"}
    agreements = load_agreements(_versions(tmp_path, later))

    def governing(day: str) -> str | None:
        agreement = agreements.for_purpose("test-purpose", dt.date.fromisoformat(day))
        return agreement.label if agreement else None

    assert [governing(d) for d in ("2026-12-31", "2027-01-01", "2027-05-31", "2027-06-01")] == [
        "test-dsa v1",
        None,
        None,
        "test-dsa v2",
    ]


def test_the_archive_keeps_each_version_once_and_refuses_silent_edits(tmp_path: Path) -> None:
    source, archive = write(tmp_path / "dsa", {"a.yaml": GOOD.encode()}), tmp_path / "archive"
    assert archive_versions(load_agreements(source), source, archive) == []
    kept = archive / "test-dsa" / "v1.yaml"
    assert kept.read_bytes() == GOOD.encode() and kept.stat().st_mode & 0o222 == 0
    assert archive_versions(load_agreements(source), source, archive) == []  # seen before, unchanged

    (source / "a.yaml").write_bytes(GOOD.replace("P1Y", "P2Y").encode())
    assert archive_versions(load_agreements(source), source, archive) == [
        f"a.yaml: version: test-dsa v1 changed without a new version number since it was archived in {kept}: "
        "bump `version`"
    ]
    assert kept.read_bytes() == GOOD.encode()  # the record stays what was first seen

    (source / "a.yaml").write_bytes(GOOD.replace("P1Y", "P2Y").replace("version: 1", "version: 2").encode())
    assert archive_versions(load_agreements(source), source, archive) == []
    assert sorted(p.name for p in (archive / "test-dsa").iterdir()) == ["v1.yaml", "v2.yaml"]
