"""Where the Splink model runs: DuckDB (default, one machine) or Spark (a cluster, or ``local[N]``).

    with open_engine(Engine("spark", spark_master="local[2]"), work_dir) as db:
        frame = register(db, features_parquet)

Both read the records' features from one Parquet file, so neither holds them in Python. DuckDB keeps its tables in a
database file under ``work_dir`` and spills to it past ``memory_limit``; Spark writes its intermediate tables as
Parquet there (Splink's default way of breaking lineage). Spark needs Splink's similarity functions (Jaro-Winkler,
Damerau-Levenshtein), a jar shipped inside the splink wheel, on its class path; ``SparkAPI`` registers them.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENGINES = ("duckdb", "spark")
_MEMORY = re.compile(r"([0-9]+)([MG])B")
FEATURES = "person_features"


@dataclass(frozen=True)
class Engine:
    name: str = "duckdb"
    spark_master: str = "local[2]"
    memory_limit: str = "2GB"  # DuckDB spills to disk beyond this (Spark: the driver's memory, local mode)
    threads: int = 2

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ValueError(f"engine {self.name!r} is not one of {', '.join(ENGINES)}")
        if not _MEMORY.fullmatch(self.memory_limit):
            raise ValueError(f"memory limit {self.memory_limit!r} is not a whole number of MB or GB, e.g. 2GB")


@contextmanager
def open_engine(engine: Engine, work_dir: Path) -> Iterator[Any]:
    """A Splink database API for ``engine``, its working files under ``work_dir`` (removed afterwards)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("splink").setLevel(logging.ERROR)
    try:
        if engine.name == "spark":
            with _spark(engine, work_dir) as db:
                yield db
        else:
            with _duckdb(engine, work_dir) as db:
                yield db
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def register(db: Any, parquet: Path, name: str = FEATURES) -> Any:
    """The features file as the linker's input table, ``name``."""
    if db.sql_dialect.sql_dialect_str == "spark":
        db.spark.read.parquet(str(parquet)).createOrReplaceTempView(name)
    else:
        path = str(parquet).replace("'", "''")
        db.duckdb_con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return db.register(name)


@contextmanager
def _duckdb(engine: Engine, work_dir: Path) -> Iterator[Any]:
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(str(work_dir / "splink.duckdb"))
    try:
        con.execute(f"SET threads TO {engine.threads}")
        con.execute(f"SET memory_limit = '{engine.memory_limit}'")
        con.execute(f"SET temp_directory = '{work_dir / 'spill'}'")
        con.execute("SET preserve_insertion_order = false")  # lets large results stream and spill
        yield DuckDBAPI(connection=con)
    finally:
        con.close()


@contextmanager
def _spark(engine: Engine, work_dir: Path) -> Iterator[Any]:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra
        raise RuntimeError("the Spark engine needs pyspark: pip install 'da-hub[spark]'") from exc
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != engine.spark_master:
        active.stop()
    local = engine.spark_master.startswith("local")
    builder = SparkSession.builder.master(engine.spark_master).appName("hub-resolve")
    if local:  # a local session listens on loopback only
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
    spark = (  # an active session of this master is reused: a JVM and a context cost tens of seconds to start
        builder.config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", engine.memory_limit[:-1].lower())  # 2GB -> 2g
        .config("spark.sql.shuffle.partitions", str(max(1, engine.threads)))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(work_dir / "spark-checkpoints"))
    try:
        # local mode: cache intermediate tables (memory, then disk) rather than write each as Parquet, which costs
        # seconds per table on small data; on a cluster, Splink's default (Parquet in the checkpoint directory)
        yield SparkAPI(
            spark_session=spark,
            break_lineage_method="persist" if local else None,
            num_partitions_on_repartition=max(1, engine.threads),
        )
    finally:
        spark.catalog.clearCache()
        for table in spark.catalog.listTables():
            if table.isTemporary:
                spark.catalog.dropTempView(table.name)
