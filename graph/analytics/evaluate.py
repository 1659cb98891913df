"""How a serial perpetrator list compares with the synthetic ground truth (``ground-truth.json``).

Each listed person is mapped to the true person most of its records belong to (by (agency, local_id), majority vote;
ties go to the smaller true id, so the mapping is deterministic). Precision is the share of listed people whose true
person is serial under the MATAC definition (``perpetrators[].serial``); recall the share of truly serial people that
at least one listed person maps to. ``under_16`` counts listed people whom the truth says were under 16 at the first
incident the list counts for them: it must be 0.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.analytics.serial import SerialPerpetrator


@dataclass(frozen=True)
class Listed:
    """What the evaluation needs of a listed perpetrator: their records, and the first incident counted."""

    person: str
    records: tuple[tuple[str, str], ...]
    first: dt.date | None = None

    @classmethod
    def of(cls, perpetrator: SerialPerpetrator) -> Listed:
        return cls(perpetrator.person, perpetrator.records, perpetrator.first.date())


@dataclass(frozen=True)
class SerialEvaluation:
    listed: int
    true_serial: int
    true_positives: int  # listed people whose true person is serial
    found: int  # truly serial people found by at least one listed person
    unmapped: int  # listed people none of whose records the truth knows
    under_16: int  # listed people under 16 (by the truth) at the first incident counted: must be 0
    missed: tuple[str, ...]  # truly serial ids not found
    false: tuple[str, ...]  # listed person ids whose true person is not serial

    @property
    def precision(self) -> float:
        return self.true_positives / self.listed if self.listed else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.true_serial if self.true_serial else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "listed": self.listed,
            "true_serial": self.true_serial,
            "true_positives": self.true_positives,
            "found": self.found,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "unmapped": self.unmapped,
            "under_16": self.under_16,
        }


def load_truth(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def true_person_of(truth: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(agency, local_id) -> true person id."""
    return {(r["agency"], r["local_id"]): p["id"] for p in truth["people"] for r in p["records"]}


def evaluate_serial(listed: Iterable[SerialPerpetrator | Listed], truth: Mapping[str, Any]) -> SerialEvaluation:
    owner = true_person_of(truth)
    dob = {p["id"]: dt.date.fromisoformat(p["dob"]) for p in truth["people"] if p.get("dob")}
    serial = {p["id"] for p in truth["perpetrators"] if p["serial"]}
    items = [x if isinstance(x, Listed) else Listed.of(x) for x in listed]
    mapped = [_majority(owner.get((agency, local_id)) for agency, local_id in item.records) for item in items]
    hits = [m for m in mapped if m is not None and m in serial]
    under_16 = sum(
        1
        for item, m in zip(items, mapped, strict=True)
        if m is not None and item.first is not None and m in dob and _age(dob[m], item.first) < 16
    )
    found = set(hits)
    return SerialEvaluation(
        listed=len(items),
        true_serial=len(serial),
        true_positives=len(hits),
        found=len(found),
        unmapped=sum(1 for m in mapped if m is None),
        under_16=under_16,
        missed=tuple(sorted(serial - found)),
        false=tuple(item.person for item, m in zip(items, mapped, strict=True) if m is None or m not in serial),
    )


def _majority(owners: Iterable[str | None]) -> str | None:
    votes = Counter(o for o in owners if o is not None)
    if not votes:
        return None
    best = max(votes.values())
    return min(o for o, n in votes.items() if n == best)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def listed_from_jsonl(lines: Sequence[str]) -> list[Listed]:
    """The ``hub serial --format jsonl`` lines as evaluation input."""
    out = []
    for line in lines:
        if line.strip():
            row = json.loads(line)
            first = min((v["first"] for v in row["victims"]), default=None)
            out.append(
                Listed(
                    row["person"],
                    tuple((a, lid) for a, lid in row["records"]),
                    dt.date.fromisoformat(first[:10]) if first else None,
                )
            )
    return out
