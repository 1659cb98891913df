"""Identity resolution on DuckDB and on Spark (``local[2]``): one model, kept as data, and the same people.

A model is trained once on DuckDB, saved as Splink's JSON and loaded by both engines, so what is compared is
inference: the same blocked pairs, match probabilities equal within ``TOLERANCE``, the same evidence and the same
clusters. Then ``hub resolve --engine spark --model FILE`` over the same records in the graph finds nothing to change
after a DuckDB resolve with that model. The Spark session (tens of seconds to start) is shared by both tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from graph.identity import ATTACH, CONTRARY, DEFAULT_THRESHOLD, resolve
from graph.identity.cluster import cluster
from graph.identity.engine import Engine, open_engine, register
from graph.identity.extract import read_records
from graph.identity.features import feature_table, features
from graph.identity.model import Pair, contradicted, predict, train
from graph.ingest import ingest_file
from graph.store import Graph
from hub.cli.resolve import command as resolve_command
from hub.settings import Settings
from synthetic import SeedSpec, generate
from tests.helpers import new_agency, write_jsonl

pytestmark = pytest.mark.slow

# both engines add the same per-comparison weights in double precision; measured differences are within 3e-16
TOLERANCE = 1e-9
THRESHOLD = 0.5  # compare well below the linking threshold, so near-misses are compared too


@pytest.fixture(scope="module", autouse=True)
def _stop_spark() -> Iterator[None]:
    """The engine keeps its Spark session for the next run in this process; the rest of the suite does not need it."""
    yield
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()


@dataclasses.dataclass
class Data:
    agencies: list[str]
    features: Path  # the records' features as Parquet
    model: Path  # trained on DuckDB, Splink's JSON


@pytest.fixture(scope="module")
def data(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Data:
    tmp = tmp_path_factory.mktemp("engines")
    seed = generate(SeedSpec(seed=5, perpetrators=30, as_of=dt.date(2026, 11, 1)), tmp / "seed")
    agencies = []
    for _, path in sorted(seed.files.items()):
        agency = new_agency()
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        ingest_file(graph, write_jsonl(tmp / f"{agency}.jsonl", [{**r, "agency": agency} for r in lines]), agency)
        agencies.append(agency)
    features = tmp / "features.parquet"
    pq.write_table(feature_table(read_records(graph, agencies=agencies)), features)
    with open_engine(Engine(), tmp / "train") as db:
        model = train(register(db, features))
    (tmp / "model.json").write_text(json.dumps(model), encoding="utf-8")
    return Data(agencies, features, tmp / "model.json")


def _predict(engine: Engine, data: Data, work: Path) -> dict[tuple[str, str], Pair]:
    model = json.loads(data.model.read_text(encoding="utf-8"))
    with open_engine(engine, work) as db:
        return {(p.a, p.b): p for p in predict(register(db, data.features), model, threshold=THRESHOLD)}


def _clusters(rows: list[Mapping[str, Any]], pairs: Mapping[tuple[str, str], Pair]) -> list[list[str]]:
    return cluster(rows, pairs.values(), threshold=DEFAULT_THRESHOLD, attach=ATTACH, sparse=True).clusters


def test_a_duckdb_model_predicts_the_same_on_spark(data: Data, tmp_path: Path) -> None:
    duck = _predict(Engine("duckdb"), data, tmp_path / "duckdb")
    spark = _predict(Engine("spark", spark_master="local[2]"), data, tmp_path / "spark")
    assert len(duck) > 100 and sum(p.probability >= DEFAULT_THRESHOLD for p in duck.values()) > 50
    assert set(spark) == set(duck)
    assert max(abs(spark[k].probability - duck[k].probability) for k in duck) <= TOLERANCE
    for key, pair in duck.items():
        for name, (label, weight) in pair.evidence.items():
            other_label, other_weight = spark[key].evidence[name]
            assert other_label == label, (key, name)
            assert abs(other_weight - weight) <= 0.01 + 1e-9, (key, name)  # weights are rounded to 2 places
    rows = pq.read_table(data.features).to_pylist()
    clusters = _clusters(rows, duck)
    assert _clusters(rows, spark) == clusters
    assert sum(len(c) > 1 for c in clusters) > 30


def _household(data: Data, work: Path) -> Path:
    """The data's records, and a mother and daughter of one household chained by a record of the mother without her
    date of birth: only the chain's three records have a ``chain``."""

    def person(key: str, given: str, dob: str | None) -> dict[str, Any]:
        return features({"key": key, "agency": "x", "given_name": given, "family_name": "Rossley", "dob": dob,
                         "gender": "female", "postcode": "TS19 0UL"})  # fmt: skip

    extra = [person("x:mother", "Emily", "1993-07-20"), person("x:no-dob", "Emily", None)]
    extra += [person("x:daughter", "Lily", "2011-01-12")]
    table = pq.read_table(data.features)
    table = pa.concat_tables([table, pa.Table.from_pylist(extra, schema=table.schema)])
    chain = [0 if key.startswith("x:") else None for key in table["unique_id"].to_pylist()]
    path = work / "chained.parquet"
    pq.write_table(table.append_column("chain", pa.array(chain, pa.int64())), path)
    return path


@pytest.mark.parametrize("name", ["duckdb", "spark"])
def test_the_model_keeps_a_chained_mother_and_daughter_apart_on_both_engines(
    data: Data, tmp_path: Path, name: str
) -> None:
    model = json.loads(data.model.read_text(encoding="utf-8"))
    chained = _household(data, tmp_path)
    with open_engine(Engine(name), tmp_path / name) as db:
        against = list(contradicted(register(db, chained, "chained"), model, below=CONTRARY))
    # the mother's two records agree; her daughter's dates of birth and given name set her apart from the mother
    assert [(a, b) for a, b, _ in against] == [("x:daughter", "x:mother")]
    assert all(p < CONTRARY for _, _, p in against)


def test_hub_resolve_on_spark_changes_nothing_duckdb_wrote(
    graph: Graph, data: Data, data_dir: Path, tmp_path: Path
) -> None:
    model = json.loads(data.model.read_text(encoding="utf-8"))
    first = resolve(graph, agencies=data.agencies, model=model, work_dir=tmp_path)
    assert first.merged > 30
    settings = dataclasses.replace(Settings.from_env(os.environ), data_dir=data_dir)
    people = tmp_path / "people.jsonl"
    args = ["--engine", "spark", "--model", str(data.model), "--report", str(people), "--format", "json"]
    result = CliRunner().invoke(
        resolve_command, [*args, *(x for a in data.agencies for x in ("--agency", a))], obj=settings
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])
    # every record keeps its person, the pair it joined through, and that pair's probability (within 1e-6)
    assert (summary["rewritten"], summary["new_ids"], summary["retired_ids"]) == (0, 0, 0)
    assert summary["clusters"] == first.clusters and summary["pairs"] == first.pairs
    lines = [json.loads(line) for line in people.read_text(encoding="utf-8").splitlines()]
    assert {line["person"]: sorted(map(tuple, line["records"])) for line in lines} == {
        pid: sorted(refs) for pid, refs in first.people.items()
    }
