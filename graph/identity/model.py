"""The Splink model (Fellegi-Sunter), as data, and the functions that train and apply it, on DuckDB or Spark.

``comparisons()`` and ``BLOCKING_RULES`` are data over the columns of ``graph.identity.features``: every level is
one of Splink's comparison-level creators, which writes each engine's SQL (a custom level, in DuckDB's SQL
translated by sqlglot, only where the library has none), with a short label, which is also the explanation an
analyst sees on a link. A trained model is Splink's JSON; ``settings`` takes its parameters level by level into the
SQL of whichever engine applies it, so a model trained on DuckDB predicts on Spark.

Nothing is hand-weighted: u probabilities come from random sampling, m probabilities from EM over
several blocking passes (each pass trains the comparisons it does not block on), and term-frequency adjustments
make common names, addresses and postcodes count for less.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator as Level

_IDS = ("nhs", "pnc", "crn", "ni")
# a date of birth one year apart on the same day and month (a mis-keyed year); written in DuckDB's SQL and
# translated by sqlglot for other engines, as the library has no level for it
_YEAR_APART = (
    "substr(dob_l, 6) = substr(dob_r, 6) AND abs(TRY_CAST(dob_year_l AS INTEGER) - TRY_CAST(dob_year_r AS INTEGER)) = 1"
)
_SWAP = (
    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
    "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
)
# a year and a day out (both mis-keyed, or a date of birth taken for another): 364 to 367 days apart
_YEAR_AND_DAY = "abs(date_diff('day', TRY_CAST(dob_l AS DATE), TRY_CAST(dob_r AS DATE))) BETWEEN 364 AND 367"
# the month mis-keyed: the same year and day
_MONTH_APART = "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 9, 2) = substr(dob_r, 9, 2)"
# only part of the date known, the rest filled in: 1 January of the year, or the 1st of the month
_PARTIAL = (
    "(substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND (substr(dob_l, 6) = '01-01' OR substr(dob_r, 6) = '01-01')) "
    "OR (substr(dob_l, 1, 7) = substr(dob_r, 1, 7) AND (substr(dob_l, 9) = '01' OR substr(dob_r, 9) = '01'))"
)
# the postcodes are compared only where the addresses cannot be (see comparisons(): where they live)
_POSTCODE_SILENT = "postcode_l IS NULL OR postcode_r IS NULL OR (address_l IS NOT NULL AND address_r IS NOT NULL)"


def _level(level: Level, label: str, *, tf: str | None = None, null: bool = False) -> Level:
    if null:
        level.configure(is_null_level=True)
    if tf:
        level.configure(tf_adjustment_column=tf, tf_adjustment_weight=1.0)
    return level.configure(label_for_charts=label)


def _custom(sql: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, base_dialect_str="duckdb")


def _null(column: str) -> Level:
    return _level(cll.NullLevel(column), "missing", null=True)


def _else() -> Level:
    return _level(cll.ElseLevel(), "different")


def _days(column: str, days: int) -> Level:
    return cll.AbsoluteDateDifferenceLevel(column, input_is_string=True, threshold=days, metric="day")


# given and family name in the other order (forms filled in the wrong way round; a name order that differs from
# the English one): each the other's, exactly or by sound
_REVERSED = "(given_l = family_r OR given_sx_l = family_sx_r) AND (family_l = given_r OR family_sx_l = given_sx_r)"


def _names(column: str, forms: str, label: str, reversed_: Level) -> list[Level]:
    return [
        _null(column),
        _level(cll.ExactMatchLevel(column), "exact", tf=column),
        _level(cll.ArrayIntersectLevel(forms), label),
        _level(cll.JaroWinklerLevel(column, 0.92), "typo"),
        _level(cll.Or(cll.DamerauLevenshteinLevel(column, 2), cll.ExactMatchLevel(f"{column}_sx")), "similar"),
        reversed_,
        _else(),
    ]


def comparisons() -> list[cl.CustomComparison]:
    """The comparisons, strongest level first (the null level first, ELSE last), as Splink level creators that
    write each engine's SQL. Built afresh for every use: a creator keeps state from the SQL it last wrote."""
    levels: dict[str, list[Level]] = {
        "national_id": [
            _level(cll.And(*(cll.NullLevel(c) for c in _IDS)), "missing", null=True),
            _level(cll.Or(*(cll.ExactMatchLevel(c) for c in _IDS)), "same national identifier"),
            _level(cll.Or(*(cll.DamerauLevenshteinLevel(c, 1) for c in _IDS)), "an identifier one digit or swap apart"),
            _level(cll.ElseLevel(), "conflicting national identifiers"),
        ],
        # names in the other order are one piece of evidence, weighed once (with the given name): the two
        # agreements are one event, so counting each would overstate it
        "given_name": _names("given", "given_forms", "nickname", _level(_custom(_REVERSED), "in the other order")),
        "family_name": _names(
            "family",
            "surnames",
            "earlier or hyphenated name",
            _level(_custom(_REVERSED), "in the other order (weighed with the given name)", null=True),
        ),
        "dob": [
            _null("dob"),
            _level(cll.ExactMatchLevel("dob"), "exact"),
            _level(_custom(_SWAP), "day and month swapped"),
            _level(
                cll.Or(
                    _days("dob", 1), _custom(_YEAR_APART), _custom(_MONTH_APART), cll.DamerauLevenshteinLevel("dob", 1)
                ),
                "one day, month or year out, or one digit",
            ),
            _level(_custom(_PARTIAL), "a partial date filled in (1 January or the 1st)"),
            _level(_custom(_YEAR_AND_DAY), "a year and a day apart"),
            _level(_days("dob", 366), "within a year"),
            _level(_days("dob", 5 * 366), "within five years"),
            _else(),
        ],
        # where they live: the addresses where both records hold one, else the postcodes; never both, as an
        # address and its postcode agreeing are one fact
        "address": [
            _null("address"),
            _level(cll.ExactMatchLevel("address"), "same address", tf="address"),
            _level(
                cll.And(cll.JaroWinklerLevel("address", 0.9), cll.ExactMatchLevel("address_numbers")),
                "the same address but for a typo",
            ),
            _level(cll.ExactMatchLevel("postcode"), "another address at the same postcode"),
            _level(cll.JaroWinklerLevel("address", 0.9), "same street, another number"),
            _level(cll.ExactMatchLevel("district"), "same district"),
            _else(),
        ],
        "postcode": [
            _level(_custom(_POSTCODE_SILENT), "missing, or compared by address", null=True),
            _level(cll.ExactMatchLevel("postcode"), "exact", tf="postcode"),
            _level(cll.ExactMatchLevel("district"), "same district"),
            _else(),
        ],
        "gender": [_null("gender"), _level(cll.ExactMatchLevel("gender"), "same"), _else()],
        "neighbours": [
            _level(_custom("array_length(neighbours_l) = 0 OR array_length(neighbours_r) = 0"), "missing", null=True),
            _level(cll.ArrayIntersectLevel("neighbours"), "shares a partner, child or other party"),
            _else(),
        ],
    }
    return [
        cl.CustomComparison(comparison_levels=list[Any](lv), output_column_name=name) for name, lv in levels.items()
    ]


# pairs scored at all: each rule on its own is cheap; together they keep recall high
BLOCKING_RULES: list[str | dict[str, Any]] = [
    "l.dob = r.dob",
    *(f"l.{c} = r.{c}" for c in _IDS),
    "l.family_sx = r.family_sx AND l.dob_year = r.dob_year",
    "l.given_sx = r.given_sx AND l.family_sx = r.family_sx",
    "l.postcode = r.postcode AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
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


def settings(
    dialect: str = "duckdb",
    *,
    model: Mapping[str, Any] | None = None,
    blocking_rules: list[str | dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Splink settings in this engine's SQL (``duckdb`` or ``spark``), with a trained ``model``'s parameters if given.

    A model is Splink's own JSON (``save_model``) from any engine: only its prior and the m and u probabilities of
    each level are taken, level by level, and the SQL is always written afresh for ``dialect``.
    """
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=list[Any](comparisons()),
        blocking_rules_to_generate_predictions=[
            rule if isinstance(rule, dict) else {"blocking_rule": rule}
            for rule in (BLOCKING_RULES if blocking_rules is None else blocking_rules)
        ],
        retain_matching_columns=True,  # keeps the gamma (level) columns: the explanation
        retain_intermediate_calculation_columns=True,
        max_iterations=25,
        em_convergence=0.0001,
    )
    out = creator.create_settings_dict(dialect)
    if model is not None:
        _apply(out, model)
    return out


_PARAMETERS = ("m_probability", "u_probability", "tf_minimum_u_value")


def _apply(out: dict[str, Any], model: Mapping[str, Any]) -> None:
    """Copy a trained model's parameters into fresh settings; refuse a model of other comparisons or levels."""
    out["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    trained = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    if set(trained) != {c["output_column_name"] for c in out["comparisons"]}:
        raise ValueError(f"the model's comparisons are {sorted(trained)}, not this model's")
    for comparison in out["comparisons"]:
        levels, known = comparison["comparison_levels"], trained[comparison["output_column_name"]]
        if [lv.get("label_for_charts") for lv in levels] != [lv.get("label_for_charts") for lv in known]:
            raise ValueError(f"the model's levels of {comparison['output_column_name']} are not this model's")
        for level, source in zip(levels, known, strict=True):
            level.update({k: source[k] for k in _PARAMETERS if source.get(k) is not None})


def labels() -> dict[str, dict[int, str]]:
    """comparison -> comparison vector value (gamma) -> level label."""
    out: dict[str, dict[int, str]] = {}
    for comparison in settings()["comparisons"]:
        levels = comparison["comparison_levels"]
        ranked = [lv for lv in levels if not lv.get("is_null_level")]
        gamma = {len(ranked) - 1 - i: lv["label_for_charts"] for i, lv in enumerate(ranked)}
        gamma[-1] = " or ".join(lv["label_for_charts"] for lv in levels if lv.get("is_null_level"))
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
    # analysts' confirmed pairs re-estimate the m probabilities once there are this many (``learn_from``)
    min_labels: int = 20
    # what EM's estimate counts for beside the labels, in labelled pairs: analysts review the hard pairs, so their
    # labels alone would make every recording error look commoner than it is
    em_weight: int = 500


def train(frame: Any, training: Training | None = None, labels: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Train the model on a registered features table (``engine.register``); the model as Splink's JSON. With
    ``labels`` (pairs of unique ids an analyst confirmed as one person), see ``learn_from``."""
    training = training or Training()
    linker = Linker(frame, settings(frame.db_api.sql_dialect.sql_dialect_str), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        list[Any](DETERMINISTIC_RULES), recall=training.recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=training.u_pairs, seed=training.seed)
    for rule in TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    model = linker.misc.save_model_to_json()
    if len(labels) < training.min_labels:
        return model
    return learn_from(frame, model, labels, em_weight=training.em_weight)


def learn_from(
    frame: Any, model: Mapping[str, Any], labels: Sequence[tuple[str, str]], *, em_weight: int
) -> dict[str, Any]:
    """``model`` with its m probabilities re-estimated from analysts' confirmed pairs (Splink's estimate from
    pairwise labels), level by level a weighted mean of the two: the labels count for one each, EM's estimate for
    ``em_weight``. u probabilities (random sampling) and the prior are kept."""
    db = frame.db_api
    rows = [
        {"source_dataset_l": frame.templated_name, "unique_id_l": a, "source_dataset_r": frame.templated_name,
         "unique_id_r": b}
        for a, b in labels
    ]  # fmt: skip
    table = db.spark.createDataFrame(rows) if db.sql_dialect.sql_dialect_str == "spark" else pa.Table.from_pylist(rows)
    linker = Linker(frame, settings(db.sql_dialect.sql_dialect_str, model=model), log_level=None)
    linker.table_management.register_table(table, "__hub_confirmed_pairs", overwrite=True)
    linker.training.estimate_m_from_pairwise_labels("__hub_confirmed_pairs")
    learnt = linker.misc.save_model_to_json()
    n = len(labels)
    for comparison, before in zip(learnt["comparisons"], model["comparisons"], strict=True):
        for level, old in zip(comparison["comparison_levels"], before["comparison_levels"], strict=True):
            if level.get("is_null_level"):
                continue
            em, lab = old.get("m_probability"), level.get("m_probability")
            if em is None:
                continue
            level["m_probability"] = (em_weight * em + n * (lab or 0.0)) / (em_weight + n) if lab is not None else em
    return learnt


def predict(frame: Any, model: Mapping[str, Any], *, threshold: float, batch: int = 50_000) -> Iterator[Pair]:
    """Every blocked pair at or above ``threshold`` under a trained ``model`` (from any engine), in batches."""
    db = frame.db_api
    linker = Linker(frame, settings(db.sql_dialect.sql_dialect_str, model=model), log_level=None)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    if db.sql_dialect.sql_dialect_str == "spark":
        batches: Iterator[pa.RecordBatch] = iter(predictions.as_spark_dataframe().toArrow().to_batches(batch))
    else:
        batches = iter(db.duckdb_con.sql(f"SELECT * FROM {predictions.physical_name}").to_arrow_reader(batch))
    gamma = labels()
    for record_batch in batches:
        yield from _pairs(record_batch, gamma)


# the levels that speak against one person: a pair showing one of them that the model scores below even odds is
# kept apart, even when other records link its two ends (``contradicted``). Not a different given name: people are
# recorded under a middle name, an anglicised name or an alias, and twins have their own rule (cluster: kin); as a
# conflict it cost 0.005 of recall at 100k (typical profile) for 0.0005 of precision
CONFLICTS: dict[str, tuple[str, ...]] = {
    "national_id": ("conflicting national identifiers",),
    "dob": ("within a year", "within five years", "different"),
    "gender": ("different",),
}
CHAINED = "l.chain = r.chain"  # every pair within one chain (see ``contradicted``)


def contradicted(
    frame: Any, model: Mapping[str, Any], *, below: float, batch: int = 50_000
) -> Iterator[tuple[str, str, float]]:
    """Pairs of records in one chain (a ``chain`` column: records linked, directly or through others, by pairs the
    model scored high) that the model scores below ``below`` and that show a conflict (``CONFLICTS``), with their
    match probability: every pair within a chain is scored, blocked or not, so a weak link cannot join two records
    the evidence sets apart."""
    db = frame.db_api
    dialect = db.sql_dialect.sql_dialect_str
    linker = Linker(frame, settings(dialect, model=model, blocking_rules=[CHAINED]), log_level=None)
    predictions = linker.inference.predict()
    gamma = labels()
    conflict = " OR ".join(
        f"gamma_{name} = {value}"
        for name, wanted in CONFLICTS.items()
        for value, label in gamma[name].items()
        if label in wanted
    )
    sql = (
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name} "
        f"WHERE match_probability < {float(below)} AND ({conflict})"
    )
    if dialect == "spark":
        batches: Iterator[pa.RecordBatch] = iter(db.spark.sql(sql).toArrow().to_batches(batch))
    else:
        batches = iter(db.duckdb_con.sql(sql).to_arrow_reader(batch))
    for record_batch in batches:
        columns = record_batch.to_pydict()
        yield from zip(columns["unique_id_l"], columns["unique_id_r"], columns["match_probability"], strict=True)


def train_and_predict(frame: Any, *, threshold: float, training: Training | None = None) -> Iterator[Pair]:
    """Train the model on these records and yield every blocked pair at or above ``threshold``."""
    yield from predict(frame, train(frame, training), threshold=threshold)


def _pairs(batch: pa.RecordBatch, gamma: Mapping[str, Mapping[int, str]]) -> Iterator[Pair]:
    names = list(gamma)
    index = {c: i for i, c in enumerate(batch.schema.names)}
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
