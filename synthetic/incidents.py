"""What happens at one incident: category, whether it is crimed, offence, harm, risk and outcome.

Harm scores follow the Cambridge Crime Harm Index idea: days of imprisonment at the sentencing
starting point, so common assault sits at a few days, ABH in the hundreds, strangulation and
sexual offences higher still. Non-crime incidents mostly carry no harm score at all, as in police
systems, leaving the hub to apply a per-category default.
"""

from __future__ import annotations

import datetime as dt
import random

# The non-fatal strangulation offence (s75A Serious Crime Act 2015) exists from 7 June 2022;
# earlier strangulation is recorded as ABH.
NFS_FROM = dt.date(2022, 6, 7)

# category -> (weight for intimate abuse, weight for family abuse, weight for adolescent-to-parent)
CATEGORIES: dict[str, tuple[float, float, float]] = {
    "physical": (30, 34, 45),
    "coercive_control": (15, 6, 0),
    "threats": (12, 14, 14),
    "emotional_psychological": (9, 12, 15),
    "stalking_harassment": (10, 4, 0),
    "criminal_damage": (7, 14, 20),
    "sexual": (4, 0.5, 0),
    "non_fatal_strangulation": (4, 1, 0),
    "breach_of_order": (3, 2, 0),
    "economic": (4, 10, 4),
    "honour_based": (1, 2, 0),
    "other": (1, 1.5, 2),
}
_NAMES = tuple(CATEGORIES)
_CUM = [[sum(CATEGORIES[c][k] for c in _NAMES[: i + 1]) for i in range(len(_NAMES))] for k in range(3)]

CRIME_RATE = {
    "physical": 0.85, "coercive_control": 0.5, "threats": 0.6, "emotional_psychological": 0.15,
    "stalking_harassment": 0.65, "criminal_damage": 0.8, "sexual": 1.0, "non_fatal_strangulation": 1.0,
    "breach_of_order": 1.0, "economic": 0.3, "honour_based": 0.7, "other": 0.3,
}  # fmt: skip

# category -> [(offence, harm low, harm high, weight)]
OFFENCES: dict[str, list[tuple[str, float, float, float]]] = {
    "physical": [("Common assault", 2, 20, 6), ("Assault occasioning actual bodily harm", 100, 300, 3),
                 ("Wounding / inflicting GBH (s20)", 400, 900, 0.6)],
    "coercive_control": [("Controlling or coercive behaviour (s76 SCA 2015)", 365, 730, 1)],
    "threats": [("Threats to kill", 365, 1095, 1), ("Malicious communications", 5, 20, 3),
                ("Fear or provocation of violence (s4 POA)", 10, 40, 2)],
    "emotional_psychological": [("Harassment (s2 PHA 1997)", 20, 60, 1)],
    "stalking_harassment": [("Stalking (s2A PHA 1997)", 60, 180, 3), ("Harassment (s2 PHA 1997)", 20, 60, 3),
                            ("Stalking involving fear of violence (s4A PHA 1997)", 365, 730, 1)],
    "criminal_damage": [("Criminal damage", 1, 20, 1)],
    "sexual": [("Sexual assault", 400, 1100, 3), ("Rape", 1825, 3000, 1)],
    "non_fatal_strangulation": [("Non-fatal strangulation (s75A SCA 2015)", 730, 1460, 1)],
    "breach_of_order": [("Breach of non-molestation order", 90, 365, 1),
                        ("Breach of restraining order", 90, 365, 1)],
    "economic": [("Fraud by abuse of position", 30, 180, 1), ("Theft", 5, 30, 2)],
    "honour_based": [("Forced marriage", 700, 1500, 1), ("Threats to kill", 365, 1095, 1)],
    "other": [("Theft", 5, 30, 1)],
}  # fmt: skip

# DASH severity bonus by category: the checklist asks about strangulation, sexual abuse, stalking...
_DASH_BONUS = {"non_fatal_strangulation": 7, "sexual": 6, "stalking_harassment": 3, "coercive_control": 3}

_OUTCOMES_CRIME = (("arrest", 25), ("charge", 14), ("conviction", 12), ("caution", 4), ("summons", 3),
                   ("no_further_action", 21), ("victim_declined", 21))  # fmt: skip
_OUTCOMES_NONCRIME = (("none", 70), ("no_further_action", 20), ("victim_declined", 10))
_OUTCOMES_YOUNG = (
    ("none", 30),
    ("no_further_action", 30),
    ("arrest", 10),
    ("caution", 5),
    ("victim_declined", 25),
)


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def draw(
    rng: random.Random, on: dt.date, *, context: int, nth: int, police: bool, post_separation: bool = False
) -> dict[str, object]:
    """One incident's facts. context: 0 intimate, 1 family, 2 adolescent to parent; nth: 0 for the
    first incident in this relationship (abuse escalates); police: recorded by the police, who crime
    incidents and record outcomes (other agencies do neither)."""
    if post_separation and context == 0 and rng.random() < 0.5:
        category = "stalking_harassment"  # separation is when stalking starts
    else:
        category = rng.choices(_NAMES, cum_weights=_CUM[context])[0]
    crime = police and rng.random() < CRIME_RATE[category]
    offence: str | None = None
    harm: float | None = None
    if crime:
        options = OFFENCES[category]
        offence, lo, hi, _ = rng.choices(options, weights=[o[3] for o in options])[0]
        if category == "non_fatal_strangulation" and on < NFS_FROM:
            offence, lo, hi = "Assault occasioning actual bodily harm", 100, 300
        harm = round(rng.uniform(lo, hi), 1)
    elif police and rng.random() < 0.15:
        harm = 0.0  # some forces score non-crime incidents as zero rather than leave them blank
    bonus = _DASH_BONUS.get(category, 0) + (3 if harm and harm >= 100 else 0)
    dash = max(0, min(27, round(rng.gauss(3 + 1.3 * min(nth, 5) + bonus, 4))))
    risk = "high" if dash >= 14 else "medium" if dash >= 9 else "standard"
    if not police:
        outcome = "none"
    elif context == 2:
        outcome = _weighted(rng, _OUTCOMES_YOUNG)
    else:
        outcome = _weighted(rng, _OUTCOMES_CRIME if crime else _OUTCOMES_NONCRIME)
    return {
        "category": category,
        "crime": crime,
        "offence": offence,
        "harm": harm,
        "dash": dash,
        "risk": risk,
        "outcome": outcome,
    }
