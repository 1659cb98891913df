"""The Splink model (Fellegi-Sunter, DuckDB backend), as data, and the functions that train and apply it.

``COMPARISONS`` and ``BLOCKING_RULES`` are plain data over the columns of ``graph.identity.features``: every level
is a SQL condition on ``<column>_l`` / ``<column>_r`` with a short label, which is also the explanation an analyst
sees on a link. Nothing is hand-weighted: u probabilities come from random sampling, m probabilities from EM over
several blocking passes (each pass trains the comparisons it does not block on), and term-frequency adjustments
make common names and postcodes count for less.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

_DATE_L, _DATE_R = "TRY_CAST(dob_l AS DATE)", "TRY_CAST(dob_r AS DATE)"
_SWAP = (
    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
    "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
)
_NEAR = (
    f"abs(date_diff('day', {_DATE_L}, {_DATE_R})) <= 1 OR (substr(dob_l, 6) = substr(dob_r, 6) "
    "AND abs(TRY_CAST(dob_year_l AS INTEGER) - TRY_CAST(dob_year_r AS INTEGER)) = 1) "
    "OR damerau_levenshtein(dob_l, dob_r) = 1"
)
_IDS = ("nhs", "pnc", "crn", "ni")


def _level(sql: str, label: str, *, tf: str | None = None, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _null(*columns: str) -> dict[str, Any]:
    return _level(" OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns), "missing", null=True)


def _else() -> dict[str, Any]:
    return _level("ELSE", "different")


# comparison name -> levels, strongest first; the null level first, ELSE last
COMPARISONS: list[dict[str, Any]] = [
    {
        "output_column_name": "national_id",
        "comparison_levels": [
            _level(" AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in _IDS), "missing", null=True),
            _level(" OR ".join(f"{c}_l = {c}_r" for c in _IDS), "same national identifier"),
            _level("ELSE", "conflicting national identifiers"),
        ],
    },
    {
        "output_column_name": "given_name",
        "comparison_levels": [
            _null("given"),
            _level("given_l = given_r", "exact", tf="given"),
            _level("list_has_any(given_forms_l, given_forms_r)", "nickname"),
            _level("jaro_winkler_similarity(given_l, given_r) >= 0.92", "typo"),
            _level("damerau_levenshtein(given_l, given_r) <= 2 OR given_sx_l = given_sx_r", "similar"),
            _else(),
        ],
    },
    {
        "output_column_name": "family_name",
        "comparison_levels": [
            _null("family"),
            _level("family_l = family_r", "exact", tf="family"),
            _level("list_has_any(surnames_l, surnames_r)", "earlier or hyphenated name"),
            _level("jaro_winkler_similarity(family_l, family_r) >= 0.92", "typo"),
            _level("damerau_levenshtein(family_l, family_r) <= 2 OR family_sx_l = family_sx_r", "similar"),
            _else(),
        ],
    },
    {
        "output_column_name": "dob",
        "comparison_levels": [
            _null("dob"),
            _level("dob_l = dob_r", "exact"),
            _level(_SWAP, "day and month swapped"),
            _level(_NEAR, "one day, one year or one digit apart"),
            _level(f"abs(date_diff('day', {_DATE_L}, {_DATE_R})) <= 366", "within a year"),
            _else(),
        ],
    },
    {
        "output_column_name": "postcode",
        "comparison_levels": [
            _null("postcode"),
            _level("postcode_l = postcode_r", "exact", tf="postcode"),
            _level("district_l = district_r", "same district"),
            _else(),
        ],
    },
    {
        "output_column_name": "gender",
        "comparison_levels": [_null("gender"), _level("gender_l = gender_r", "same"), _else()],
    },
    {
        "output_column_name": "neighbours",
        "comparison_levels": [
            _level("len(neighbours_l) = 0 OR len(neighbours_r) = 0", "missing", null=True),
            _level("list_has_any(neighbours_l, neighbours_r)", "shares a partner, child or other party"),
            _else(),
        ],
    },
]

# pairs scored at all: each rule on its own is cheap; together they keep recall high
BLOCKING_RULES: list[str | dict[str, Any]] = [
    "l.dob = r.dob",
    *(f"l.{c} = r.{c}" for c in _IDS),
    "l.family_sx = r.family_sx AND l.dob_year = r.dob_year",
    "l.given_sx = r.given_sx AND l.family_sx = r.family_sx",
    "l.family_sx = r.family_sx AND l.district = r.district",
    "l.postcode = r.postcode AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
    "l.given = r.given AND l.district = r.district",
    # sparse records (a name heard from a victim, no date of birth or address): any formal given name with any
    # surname, and a shared partner or other party
    {
        "blocking_rule": "l.given_forms = r.given_forms AND l.surnames = r.surnames",
        "arrays_to_explode": ["given_forms", "surnames"],
    },
    {"blocking_rule": "l.neighbours = r.neighbours", "arrays_to_explode": ["neighbours"]},
]

# EM passes: each blocks on some columns and so trains the others
TRAINING_RULES: list[str] = [
    "l.dob = r.dob",
    "l.given_sx = r.given_sx AND l.family_sx = r.family_sx",
]

# pairs that are almost surely the same person, for the prior (probability two random records match)
DETERMINISTIC_RULES: list[str] = [
    *(f"l.{c} = r.{c}" for c in _IDS),
    "l.given = r.given AND l.family = r.family AND l.dob = r.dob",
]


def settings(*, blocking_rules: list[str | dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": COMPARISONS,
        "blocking_rules_to_generate_predictions": [
            rule if isinstance(rule, dict) else {"blocking_rule": rule}
            for rule in (BLOCKING_RULES if blocking_rules is None else blocking_rules)
        ],
        "retain_matching_columns": True,  # keeps the gamma (level) columns: the explanation
        "retain_intermediate_calculation_columns": True,
        "max_iterations": 25,
        "em_convergence": 0.0001,
    }


def labels() -> dict[str, dict[int, str]]:
    """comparison -> comparison vector value (gamma) -> level label."""
    out: dict[str, dict[int, str]] = {}
    for comparison in COMPARISONS:
        levels = comparison["comparison_levels"]
        ranked = [lv for lv in levels if not lv.get("is_null_level")]
        gamma = {len(ranked) - 1 - i: lv["label_for_charts"] for i, lv in enumerate(ranked)}
        gamma[-1] = "missing"
        out[comparison["output_column_name"]] = gamma
    return out


@dataclass(frozen=True)
class Pair:
    """One scored pair of records, with the evidence for it: comparison -> (level label, match weight)."""

    a: str
    b: str
    probability: float
    evidence: dict[str, tuple[str, float]]


@dataclass(frozen=True)
class Training:
    u_pairs: float = 2e6
    seed: int = 42
    recall: float = 0.7  # assumed recall of DETERMINISTIC_RULES, for the prior


def train_and_predict(features: pa.Table, *, threshold: float, training: Training | None = None) -> Iterator[Pair]:
    """Train the model on these records and yield every blocked pair at or above ``threshold``."""
    from splink import DuckDBAPI, Linker

    training = training or Training()
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET threads TO 2")
        db = DuckDBAPI(connection=con)
        frame = db.register(features, table_name="person_features")
        linker = Linker(frame, settings(), log_level=None)
        linker.training.estimate_probability_two_random_records_match(
            list[Any](DETERMINISTIC_RULES), recall=training.recall
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=training.u_pairs, seed=training.seed)
        for rule in TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        yield from _pairs(predictions.as_pyarrow_table())
    finally:
        con.close()


def _pairs(table: pa.Table) -> Iterator[Pair]:
    gamma = labels()
    names = list(gamma)
    index = {c: i for i, c in enumerate(table.column_names)}
    for batch in table.to_batches(50_000):
        columns = batch.to_pydict()
        for row in zip(*columns.values(), strict=True):
            evidence: dict[str, tuple[str, float]] = {}
            for name in names:
                level = row[index[f"gamma_{name}"]]
                weight = row[index[f"mw_{name}"]] or 0.0
                tf = index.get(f"mw_tf_adj_{name}")
                if tf is not None and row[tf] is not None:
                    weight += row[tf]
                evidence[name] = (gamma[name].get(int(level), str(level)), round(weight, 2))
            yield Pair(
                a=row[index["unique_id_l"]],
                b=row[index["unique_id_r"]],
                probability=float(row[index["match_probability"]]),
                evidence=evidence,
            )
