"""RFG(V) scoring: recency, frequency, gravity and victim count per perpetrator, for the MATAC nomination list.

The bands and weights are data (``config/rfg.yaml``, documented there), loaded into an ``RfgConfig`` and validated on
load: a bad file is refused with an ``RfgConfigError`` naming the file, the place in it and what is wrong.

``score_perpetrators`` scores every resolved person who was 16+ at one or more incidents in the window (serial or
not; an under-16's incidents never count), reading the graph in pages of perpetrators with the aggregation done in
Cypher (``graph.analytics.serial``), and writes each breakdown onto the ``Person`` node in batches (``rfg_score``,
``rfg_recency`` ... ``rfg_scored_at``); people scored by an earlier run and not by this one lose their ``rfg_``
properties, so the graph only ever holds one run. ``nominations`` cuts the ranked list to the panel's top N, by area
(postcode district of the perpetrator's records) and agency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from graph.analytics.serial import (
    PAGE,
    Facts,
    Window,
    is_serial,
    iso,
    iter_facts,
    records_of,
)
from graph.errors import GraphError
from graph.model import RESOLVED_PERSON
from graph.scope import Scope
from graph.store import Graph
from graph.validation import partner_schema

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "rfg.yaml"
FACTORS = ("recency", "frequency", "gravity", "victims")
AGGREGATES = ("sum", "max")
WRITE_BATCH = 5000
# every property a run writes on a Person; a later run that does not score the person removes them all
PROPERTIES = (
    "rfg_score",
    "rfg_rank",
    "rfg_recency",
    "rfg_frequency",
    "rfg_gravity",
    "rfg_victims",
    "rfg_days_since_last",
    "rfg_incidents",
    "rfg_harm",
    "rfg_victim_count",
    "rfg_serial",
    "rfg_last_incident",
    "rfg_window_start",
    "rfg_as_of",
    "rfg_config",
    "rfg_run",
    "rfg_scored_at",
)


class RfgConfigError(GraphError):
    """The RFG configuration cannot be used; the message names the file, the place and the problem."""


# --- configuration -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    max: float | None  # inclusive upper bound; None on the last band: everything above
    points: float


@dataclass(frozen=True)
class Bands:
    bands: tuple[Band, ...]

    def points(self, value: float) -> float:
        for band in self.bands:
            if band.max is None or value <= band.max:
                return band.points
        raise AssertionError("validated bands end with an open band")


@dataclass(frozen=True)
class RfgConfig:
    window_years: int
    weights: Mapping[str, float]
    recency: Bands
    frequency: Bands
    gravity: Bands
    victims: Bands
    gravity_aggregate: str  # "sum" or "max"
    harm_defaults: Mapping[str, float]  # category -> harm for incidents without a harm_score
    harm_fallback: float
    source: str  # where it came from, for messages
    digest: str  # SHA-256 of the canonical settings: stored with every score, so a result names its config

    def breakdown(self, days_since: int, incidents: int, harm: float, victims: int) -> dict[str, float]:
        points = {
            "recency": self.recency.points(days_since),
            "frequency": self.frequency.points(incidents),
            "gravity": self.gravity.points(harm),
            "victims": self.victims.points(victims),
        }
        points["score"] = round(sum(points[f] * self.weights[f] for f in FACTORS), 6)
        return points


def load_config(path: Path | None = None) -> RfgConfig:
    """Read and validate a configuration file (default ``config/rfg.yaml``)."""
    path = path or DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RfgConfigError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise RfgConfigError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    return parse_config(data, source=str(path))


def parse_config(data: Any, *, source: str = "<rfg config>") -> RfgConfig:
    """Validate settings already read (a mapping as in ``config/rfg.yaml``)."""
    check = _Checker(source)
    top = check.mapping(data, "", {"version", "window_years", "weights", *FACTORS})
    if top.get("version") != 1:
        check.fail("version", f"must be 1 (got {top.get('version')!r})")
    window = top.get("window_years")
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 20:
        check.fail("window_years", f"must be a whole number of years from 1 to 20 (got {window!r})")
    weights_in = check.mapping(top.get("weights"), "weights", set(FACTORS), required=set(FACTORS))
    weights = {f: check.number(weights_in[f], f"weights.{f}") for f in FACTORS}
    if not any(weights.values()):
        check.fail("weights", "at least one weight must be above 0")
    sections = {
        "recency": check.mapping(top.get("recency"), "recency", {"bands"}, required={"bands"}),
        "frequency": check.mapping(top.get("frequency"), "frequency", {"bands"}, required={"bands"}),
        "gravity": check.mapping(
            top.get("gravity"),
            "gravity",
            {"bands", "aggregate", "fallback", "category_defaults"},
            required={"bands"},
        ),
        "victims": check.mapping(top.get("victims"), "victims", {"bands"}, required={"bands"}),
    }
    bands = {f: check.bands(sections[f]["bands"], f"{f}.bands") for f in FACTORS}
    gravity = sections["gravity"]
    aggregate = gravity.get("aggregate", "sum")
    if aggregate not in AGGREGATES:
        check.fail("gravity.aggregate", f"must be one of {', '.join(AGGREGATES)} (got {aggregate!r})")
    fallback = check.number(gravity.get("fallback", 0), "gravity.fallback")
    categories = incident_categories()
    defaults_in = check.mapping(gravity.get("category_defaults", {}), "gravity.category_defaults", set(categories))
    defaults = {c: check.number(v, f"gravity.category_defaults.{c}") for c, v in defaults_in.items()}
    canonical = {
        "window_years": window,
        "weights": weights,
        "bands": {f: [[b.max, b.points] for b in bands[f].bands] for f in FACTORS},
        "aggregate": aggregate,
        "fallback": fallback,
        "defaults": dict(sorted(defaults.items())),
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    return RfgConfig(
        window_years=window,
        weights=weights,
        recency=bands["recency"],
        frequency=bands["frequency"],
        gravity=bands["gravity"],
        victims=bands["victims"],
        gravity_aggregate=aggregate,
        harm_defaults=defaults,
        harm_fallback=fallback,
        source=source,
        digest=digest,
    )


def incident_categories() -> tuple[str, ...]:
    """The incident categories the partner record format allows."""
    for branch in partner_schema()["oneOf"]:
        if branch.get("title") == "incident":
            return tuple(branch["properties"]["category"]["enum"])
    raise AssertionError("the partner schema has no incident branch")


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> NoReturn:
        raise RfgConfigError(f"{self.source}: {where or 'the file'}: {problem}")

    def mapping(
        self, value: Any, where: str, allowed: set[str], *, required: frozenset[str] | set[str] = frozenset()
    ) -> dict[str, Any]:
        if value is None and not required and where:
            return {}
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping (got {_kind(value)})")
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            self.fail(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
        missing = sorted(required - set(value))
        if missing:
            self.fail(where, f"missing key {missing[0]!r}")
        return dict(value)

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            self.fail(where, f"must be a number, 0 or more (got {value!r})")
        return float(value)

    def bands(self, value: Any, where: str) -> Bands:
        if not isinstance(value, list) or not value:
            self.fail(where, "must be a non-empty list of {max, points} bands")
        out: list[Band] = []
        for i, item in enumerate(value):
            here = f"{where}[{i}]"
            last = i == len(value) - 1
            band = self.mapping(item, here, {"max", "points"}, required={"points"})
            points = self.number(band["points"], f"{here}.points")
            if "max" not in band or band["max"] is None:
                if not last:
                    self.fail(here, "only the last band may leave out max")
                out.append(Band(None, points))
                continue
            upper = self.number(band["max"], f"{here}.max")
            if out and out[-1].max is not None and upper <= out[-1].max:
                self.fail(f"{here}.max", f"must be greater than the previous band's max ({out[-1].max:g})")
            if last:
                self.fail(here, "the last band must leave out max, so that every value falls in a band")
            out.append(Band(upper, points))
        return Bands(tuple(out))


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


# --- scoring -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RfgScore:
    person: str
    rank: int
    score: float
    recency: float  # points
    frequency: float
    gravity: float
    victims: float
    days_since_last: int  # the values the points came from
    incidents: int
    harm: float
    victim_count: int
    serial: bool  # serial under MATAC within the scoring window
    last_incident: dt.datetime
    records: tuple[tuple[str, str], ...]  # (agency, local_id) of the person's current records
    districts: tuple[str, ...]  # postcode districts of those records
    agencies: tuple[str, ...]  # agencies holding a record of the person or an incident in the window

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "person": self.person,
            "score": self.score,
            "recency": self.recency,
            "frequency": self.frequency,
            "gravity": self.gravity,
            "victims": self.victims,
            "days_since_last": self.days_since_last,
            "incidents": self.incidents,
            "harm": self.harm,
            "victim_count": self.victim_count,
            "serial": self.serial,
            "last_incident": iso(self.last_incident),
            "records": [list(r) for r in self.records],
            "districts": list(self.districts),
            "agencies": list(self.agencies),
        }


@dataclass(frozen=True)
class RfgRun:
    run: str
    scored_at: dt.datetime
    window: Window
    config: RfgConfig
    scores: tuple[RfgScore, ...]  # ranked: highest score first


def score_perpetrators(
    graph: Graph,
    config: RfgConfig,
    scope: Scope,
    *,
    as_of: dt.date | None = None,
    page: int = PAGE,
    write: bool = True,
    advance: Callable[[int], object] | None = None,
) -> RfgRun:
    """Score every 16+ perpetrator in the window ending ``as_of`` (default today), rank them, and (unless ``write`` is
    false) store each breakdown on the Person node. Only what ``scope`` lets through counts, and the records,
    districts and agencies of each score come from the person records it may read (the operator's scope reads
    everything; a caller's grant, its sources and retention). ``advance(n)`` is told of each page read."""
    window = Window.lookback(scope, as_of, years=config.window_years)
    scored: list[tuple[float, str, dict[str, Any]]] = []
    for facts_page in iter_facts(
        graph, window, page=page, harm=config.harm_defaults, harm_fallback=config.harm_fallback, advance=advance
    ):
        adults = [f for f in facts_page if f.adult is not None and f.adult.victims]
        records = records_of(graph, scope, [f.person for f in adults])
        for f in adults:
            assert f.adult is not None
            item = _score(config, window, f.adult, records[f.person])
            scored.append((item["score"], f.person, item))
    scored.sort(key=lambda s: (-s[0], -s[2]["harm"], -s[2]["last"].timestamp(), s[1]))
    scores = tuple(
        RfgScore(person=person, rank=rank, **{k: v for k, v in item.items() if k != "last"}, last_incident=item["last"])
        for rank, (_, person, item) in enumerate(scored, start=1)
    )
    run = RfgRun(run=uuid.uuid4().hex, scored_at=dt.datetime.now(dt.UTC), window=window, config=config, scores=scores)
    if write:
        write_scores(graph, run)
    return run


def _score(config: RfgConfig, window: Window, facts: Facts, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    days = max(0, (window.as_of - facts.last.date()).days)
    harm = facts.harm_sum if config.gravity_aggregate == "sum" else facts.harm_max
    points = config.breakdown(days, facts.incidents, harm, len(facts.victims))
    return {
        "score": points["score"],
        "recency": points["recency"],
        "frequency": points["frequency"],
        "gravity": points["gravity"],
        "victims": points["victims"],
        "days_since_last": days,
        "incidents": facts.incidents,
        "harm": round(harm, 3),
        "victim_count": len(facts.victims),
        "serial": is_serial(facts),
        "last": facts.last,
        "records": tuple((r["agency"], r["local_id"]) for r in records),
        "districts": tuple(sorted({d for r in records if (d := postcode_district(r.get("postcode")))})),
        "agencies": tuple(sorted(set(facts.agencies) | {r["agency"] for r in records})),
    }


def write_scores(graph: Graph, run: RfgRun, *, batch: int = WRITE_BATCH) -> None:
    """Store each breakdown on its Person, in batches, then clear scores an earlier run left on anyone else."""
    common = {
        "rfg_window_start": run.window.since.isoformat(),
        "rfg_as_of": run.window.as_of.isoformat(),
        "rfg_config": run.config.digest,
        "rfg_run": run.run,
    }
    rows = [
        {
            "person": s.person,
            "last": iso(s.last_incident),
            "p": {
                "rfg_score": s.score,
                "rfg_rank": s.rank,
                "rfg_recency": s.recency,
                "rfg_frequency": s.frequency,
                "rfg_gravity": s.gravity,
                "rfg_victims": s.victims,
                "rfg_days_since_last": s.days_since_last,
                "rfg_incidents": s.incidents,
                "rfg_harm": s.harm,
                "rfg_victim_count": s.victim_count,
                "rfg_serial": s.serial,
                **common,
            },
        }
        for s in run.scores
    ]
    for start in range(0, len(rows), batch):
        graph.write(
            f"UNWIND $rows AS r MATCH (p:{RESOLVED_PERSON} {{person_id: r.person}}) "
            "SET p += r.p, p.rfg_last_incident = datetime(r.last), p.rfg_scored_at = datetime($at)",
            rows=rows[start : start + batch],
            at=iso(run.scored_at),
        )
    removals = ", ".join(f"p.{name}" for name in PROPERTIES)
    graph.write(
        f"MATCH (p:{RESOLVED_PERSON}) WHERE p.rfg_run IS NOT NULL AND p.rfg_run <> $run REMOVE {removals}",
        run=run.run,
    )


def postcode_district(postcode: str | None) -> str | None:
    """The outward code of a UK postcode ("TS17 1JJ" -> "TS17"), upper case; None if there is none."""
    if not postcode:
        return None
    compact = "".join(postcode.split()).upper()
    if len(compact) < 5:  # an outward code alone (or a fragment): take it as given
        return compact or None
    return compact[:-3]


def nominations(
    scores: Sequence[RfgScore], *, top: int | None = None, area: str | None = None, agency: str | None = None
) -> list[RfgScore]:
    """The panel's list: the highest scores (ranks kept from the full list), optionally only perpetrators with a record
    in a postcode district (``area``) or known to an agency (a record or an incident of theirs)."""
    district = postcode_district(area) if area else None
    out = [
        s for s in scores if (district is None or district in s.districts) and (agency is None or agency in s.agencies)
    ]
    return out if top is None else out[:top]
