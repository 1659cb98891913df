"""The outcomes comparison's statistics and publication rules, without a graph: matching, the difference in
differences, the incident rate change with its interval, and small-number suppression."""

from __future__ import annotations

import datetime as dt

from graph.analytics.cohort import Figures, MatchedSet, Pair, Summary, nearest, summarise
from graph.analytics.outcomes import OutcomeReport, shift_months
from hub.access.outcomes import published

BAND = (5.0, 2.0, 2.0, 1.0)


def figures(incidents: int, harm: float = 10.0, band: tuple[float, ...] = BAND) -> Figures:
    return Figures(incidents=incidents, victims=1 if incidents else 0, harm=harm, score=float(incidents), band=band)


def test_matching_is_exact_on_the_bands_then_nearest_with_ties_by_id() -> None:
    target = figures(3, harm=20)
    candidates = {
        "far": figures(5, harm=20),
        "b-near": figures(3, harm=21),
        "a-near": figures(3, harm=21),
        "exact": figures(3, harm=20),
        "other-band": figures(3, harm=20, band=(4.0, 2.0, 2.0, 1.0)),
    }
    assert nearest(target, candidates, k=3) == ["exact", "a-near", "b-near"]
    assert nearest(target, candidates, k=10) == ["exact", "a-near", "b-near", "far"]
    assert nearest(Figures(), {"idle": Figures()}) == [], "nothing before the index date: nothing to match on"


def _set(before: int, after: int, comparisons: list[tuple[int, int]]) -> MatchedSet:
    def periods(b: int, a: int) -> dict[int, Pair]:
        return {12: Pair(figures(b), figures(a))}

    return MatchedSet(periods(before, after), tuple(periods(b, a) for b, a in comparisons))


def test_a_halved_rate_is_measured_as_minus_one_half_with_an_interval_around_it() -> None:
    # every tasked person goes from 4 incidents to 2 or 3; their comparisons from 4 to 5 or 6 (means per set)
    sets = [_set(4, 2 + i % 2, [(4, 5), (4, 6)]) for i in range(40)]
    summary = summarise(sets, (12,))
    change = summary.rate_change[12]
    assert change is not None and summary.matched == 40
    assert abs(change.estimate - (2.5 / 5.5 - 1)) < 1e-3
    assert change.low is not None and change.high is not None and change.low <= change.estimate <= change.high < 0
    incidents = next(c for c in summary.comparisons if c.measure == "incidents")
    assert (incidents.tasked_before, incidents.tasked_after) == (4.0, 2.5)
    assert (incidents.comparison_before, incidents.comparison_after) == (4.0, 5.5)
    assert incidents.difference.estimate == -3.0  # (2.5 - 4) - (5.5 - 4)


def test_the_same_course_on_both_sides_is_no_effect_and_the_interval_covers_zero() -> None:
    sets = [_set(3 + i % 3, 2 + (i * 7) % 4, [(3 + (i + 1) % 3, 2 + (i * 5) % 4)]) for i in range(60)]
    change = summarise(sets, (12,)).rate_change[12]
    assert change is not None and change.low is not None and change.high is not None
    assert change.low < 0 < change.high
    assert summarise(sets, (12,)) == summarise(sets, (12,)), "seeded: the same sets give the same answer"


def test_no_sets_and_no_incidents_give_no_rate() -> None:
    assert summarise([], (6, 12)).rate_change == {6: None, 12: None}
    assert summarise([_set(0, 0, [(0, 0)])], (12,)).rate_change[12] is None


def _report(referred: int, followed: int, matched: int, people: int) -> OutcomeReport:
    summary = Summary(matched, (), {12: None})
    return OutcomeReport("MATAC", dt.date(2026, 1, 1), None, (None,) * referred, followed, people, summary)  # type: ignore[arg-type]


def test_small_numbers_and_small_differences_are_withheld() -> None:
    given, summary = published(_report(50, 40, 25, 30), 10)
    assert given == {"referred": 50, "followed_up": 40, "matched": 25, "comparison_people": 30} and summary
    given, summary = published(_report(40, 30, 9, 30), 10)
    assert given["matched"] is None and summary is None, "fewer than 10 matched: no comparison at all"
    given, summary = published(_report(40, 30, 25, 4), 10)
    assert given["comparison_people"] is None and summary is None, "a mean over 4 comparison people describes them"
    given, _ = published(_report(31, 28, 25, 30), 10)
    assert given["followed_up"] is None and given["referred"] is None and given["matched"] == 25
    given, _ = published(_report(25, 25, 25, 30), 10)
    assert given["referred"] == given["followed_up"] == given["matched"] == 25, "a difference of 0 gives nothing away"
    assert published(_report(3, 1, 1, 1), 1)[0] == {
        "referred": 3,
        "followed_up": 1,
        "matched": 1,
        "comparison_people": 1,
    }


def test_months_are_calendar_months() -> None:
    at = dt.datetime(2025, 8, 31, 12, tzinfo=dt.UTC)
    assert shift_months(at, 6) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert shift_months(at, -12) == dt.datetime(2024, 8, 31, 12, tzinfo=dt.UTC)
    assert shift_months(at, -6) == dt.datetime(2025, 2, 28, 12, tzinfo=dt.UTC)
