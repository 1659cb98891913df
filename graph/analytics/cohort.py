"""The matched comparison behind MATAC outcomes, as pure statistics: no graph, no policy.

Each tasked perpetrator is compared with up to ``K`` perpetrators who were not tasked, described at the same index
date (the tasked person's first referral): exactly the same key (``Figures.band``: what the caller matches exactly
on), then the nearest on incidents, victims and harm in the months before (ties by id, so a run is repeatable). A
comparison person may serve several tasked people.

The effect is a difference in differences over the matched sets: per measure, the mean of (tasked after - before)
minus (comparison after - before), and for incidents also the relative change in the rate, the ratio of the two
after/before ratios minus one (-0.3: 30% fewer incidents than the comparison suggests). Intervals are 95% percentile
bootstrap intervals over matched sets; they ignore that comparison people are reused, so they are a little narrow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

MEASURES = ("incidents", "victims", "harm", "score")
K = 3
RESAMPLES = 2000


@dataclass(frozen=True)
class Figures:
    """One person's figures in one period: incidents, distinct victims, harm, and the RFG(V) score over the period
    (0 without incidents); ``band`` is the key matching is exact on (empty: nothing to match on)."""

    incidents: int = 0
    victims: int = 0
    harm: float = 0.0
    score: float = 0.0
    band: tuple[float, ...] = field(default=(), compare=False)

    def value(self, measure: str) -> float:
        return float(getattr(self, measure))


@dataclass(frozen=True)
class Pair:
    before: Figures
    after: Figures


Periods = Mapping[int, Pair]  # months -> figures before and after the index date


@dataclass(frozen=True)
class MatchedSet:
    tasked: Periods
    comparisons: tuple[Periods, ...]


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float | None  # None when too few resamples could be computed
    high: float | None


@dataclass(frozen=True)
class Comparison:
    months: int
    measure: str
    tasked_before: float  # means per person
    tasked_after: float
    comparison_before: float
    comparison_after: float
    difference: Interval  # the difference in differences, per person


@dataclass(frozen=True)
class Summary:
    matched: int  # tasked people with at least one comparison
    comparisons: tuple[Comparison, ...]
    rate_change: dict[int, Interval | None]  # months -> relative change in the incident rate; None: no incidents


def distance(a: Figures, b: Figures) -> float:
    return abs(a.incidents - b.incidents) + abs(a.victims - b.victims) + abs(math.log1p(a.harm) - math.log1p(b.harm))


def nearest(target: Figures, candidates: Mapping[str, Figures], k: int = K) -> list[str]:
    """The ``k`` candidates in the target's bands nearest to it; none when the target has nothing to match on."""
    if not target.band:
        return []
    same = sorted((distance(target, f), pid) for pid, f in candidates.items() if f.band == target.band)
    return [pid for _, pid in same[:k]]


def summarise(sets: Sequence[MatchedSet], months: Sequence[int], *, resamples: int = RESAMPLES) -> Summary:
    """Means, differences in differences and the incident rate change, with bootstrap intervals (seeded: the same
    sets always give the same answer)."""
    # values[set, period, measure, (tasked before, tasked after, comparison before, comparison after)]
    values = np.zeros((len(sets), len(months), len(MEASURES), 4))
    for i, s in enumerate(sets):
        for j, m in enumerate(months):
            for q, name in enumerate(MEASURES):
                comp = [(c[m].before.value(name), c[m].after.value(name)) for c in s.comparisons]
                values[i, j, q] = (
                    s.tasked[m].before.value(name),
                    s.tasked[m].after.value(name),
                    sum(b for b, _ in comp) / len(comp),
                    sum(a for _, a in comp) / len(comp),
                )
    if not sets:
        return Summary(0, (), {m: None for m in months})
    n = len(sets)
    # a resample is how many times each set is drawn: its totals are those weights times the sets' values
    weights = np.random.default_rng(0).multinomial(n, np.full(n, 1.0 / n), size=resamples)
    samples = (weights @ values.reshape(n, -1)).reshape(resamples, *values.shape[1:])
    totals = values.sum(axis=0)

    def did(t: np.ndarray) -> np.ndarray:
        return ((t[..., 1] - t[..., 0]) - (t[..., 3] - t[..., 2])) / n

    out = []
    for j, m in enumerate(months):
        for q, name in enumerate(MEASURES):
            tb, ta, cb, ca = (round(float(x), 4) for x in totals[j, q] / n)
            out.append(Comparison(m, name, tb, ta, cb, ca, _interval(did(totals[j, q]), did(samples[:, j, q]))))
    rates = {m: _rate(totals[j, 0], samples[:, j, 0]) for j, m in enumerate(months)}
    return Summary(n, tuple(out), rates)


def _ratio(t: np.ndarray) -> np.ndarray:
    """(tasked after / before) / (comparison after / before) - 1; NaN where a count is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (t[..., 1] / t[..., 0]) / (t[..., 3] / t[..., 2]) - 1.0


def _rate(total: np.ndarray, samples: np.ndarray) -> Interval | None:
    point = _ratio(total)
    return None if not np.isfinite(point) else _interval(point, _ratio(samples))


def _interval(point: np.ndarray, samples: np.ndarray) -> Interval:
    finite = samples[np.isfinite(samples)]
    if len(finite) < 0.9 * len(samples):  # undefined in too many resamples to say
        return Interval(round(float(point), 4), None, None)
    low, high = np.percentile(finite, [2.5, 97.5])
    return Interval(round(float(point), 4), round(float(low), 4), round(float(high), 4))
