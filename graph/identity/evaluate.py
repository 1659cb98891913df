"""Pairwise accuracy of a resolution against the synthetic ground truth (``ground-truth.json`` from ``hub seed``).

A resolution is a list of clusters of record references ``(agency, local_id)``. Only records present in the
resolution are scored (withdrawn records are not resolved). Pairwise: every pair of records in one predicted cluster
is a predicted link; precision, recall and F1 count those against the pairs in one true person.

    python -m graph.identity.evaluate --report resolve.jsonl --truth HUB_DATA_DIR/seed/ground-truth.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

Ref = tuple[str, str]  # (agency, local_id)
IDENTIFIERS = ("nhs_number", "pnc_id", "probation_crn", "ni_number")


@dataclass(frozen=True)
class Scores:
    records: int
    clusters: int
    true_people: int
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def truth_clusters(truth: Mapping[str, Any]) -> dict[Ref, str]:
    """Record -> true person id, from a parsed ground-truth file."""
    return {(r["agency"], r["local_id"]): p["id"] for p in truth["people"] for r in p["records"]}


def score(predicted: Iterable[Sequence[Ref]], truth: Mapping[Ref, str]) -> Scores:
    """Pairwise scores of predicted clusters; records missing from the truth count as people of their own."""
    clusters = [[(ref[0], ref[1]) for ref in cluster] for cluster in predicted]
    seen = [ref for cluster in clusters for ref in cluster]
    owner = {ref: truth.get(ref, f"unknown:{ref[0]}:{ref[1]}") for ref in seen}
    predicted_pairs = sum(_pairs(len(c)) for c in clusters)
    correct = sum(_pairs(n) for c in clusters for n in Counter(owner[ref] for ref in c).values())
    true_sizes = Counter(owner.values())
    return Scores(
        records=len(seen),
        clusters=len(clusters),
        true_people=len(true_sizes),
        predicted_pairs=predicted_pairs,
        true_pairs=sum(_pairs(n) for n in true_sizes.values()),
        correct_pairs=correct,
    )


def singletons(refs: Iterable[Ref]) -> list[list[Ref]]:
    """No linkage: each record is a person of its own."""
    return [[ref] for ref in refs]


def by_identifier(records: Iterable[Mapping[str, Any]]) -> list[list[Ref]]:
    """Exact-identifier linkage: records sharing any national identifier value (of one kind) are one person.

    ``records`` carry ``agency``, ``local_id`` and the lifted identifiers (as ``graph.identity.extract`` reads them).
    """
    rows = list(records)
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        for kind in IDENTIFIERS:
            value = row.get(kind)
            if value:
                j = first.setdefault((kind, str(value)), i)
                parent[find(i)] = find(j)
    groups: dict[int, list[Ref]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(find(i), []).append((row["agency"], row["local_id"]))
    return list(groups.values())


def read_report(path: Path) -> list[list[Ref]]:
    """Clusters from a ``hub resolve --report`` file."""
    clusters = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                clusters.append([(agency, local_id) for agency, local_id in json.loads(line)["records"]])
    return clusters


def table(rows: Mapping[str, Scores]) -> str:
    """A plain-text table, one row per method."""
    head = f"{'method':<24} {'precision':>9} {'recall':>7} {'F1':>7} {'clusters':>9} {'true people':>11} {'records':>8}"
    lines = [head, "-" * len(head)]
    for name, s in rows.items():
        lines.append(
            f"{name:<24} {s.precision:>9.4f} {s.recall:>7.4f} {s.f1:>7.4f} {s.clusters:>9} {s.true_people:>11} "
            f"{s.records:>8}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args(argv)
    truth = truth_clusters(json.loads(args.truth.read_text(encoding="utf-8")))
    predicted = read_report(args.report)
    refs = [ref for cluster in predicted for ref in cluster]
    print(table({"resolution": score(predicted, truth), "without linkage": score(singletons(refs), truth)}))


if __name__ == "__main__":
    main()
