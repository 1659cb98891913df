"""One agency's file under construction: its own identifier schemes and the lines it will submit.

Local ids look like each agency's own: police URNs ("CP-P-0012345") and incident numbers by year
("CP-I-2021-000123"), probation case reference numbers ("X123456"), hospital numbers, school
pupil numbers ("SCH-MARSHBECK-000123") and so on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .model import rfc3339

POLICE = "cleveland-police"
PROBATION = "probation-ne"
NHS = "tees-nhs"
CHILDRENS = "stockton-childrens"
HOUSING = "thirteen-housing"
IDVA = "harbour-idva"
SCHOOLS = "stockton-schools"
AGENCIES = (POLICE, PROBATION, NHS, CHILDRENS, HOUSING, IDVA, SCHOOLS)

_PREFIX = {
    POLICE: "CP",
    PROBATION: "PNE",
    NHS: "TNHS",
    CHILDRENS: "SCC",
    HOUSING: "TH",
    IDVA: "HI",
    SCHOOLS: "SCH",
}
_KIND = {
    "person": "P",
    "incident": "INC",
    "relationship": "REL",
    "risk_assessment": "RA",
    "order": "ORD",
    "referral": "REF",
    "disclosure": "DVDS",
    "support_need": "SN",
}

Record = dict[str, Any]


class Book:
    def __init__(self, code: str, seq: Iterator[int]) -> None:
        self.code = code
        self.lines: list[tuple[str, int, Record]] = []  # (recorded_at, insertion order, record)
        # (true person, slot) -> local_id; slot "" is the agency's own record of the person,
        # "urn2" a second police URN, "about:<victim>" a person as one victim described them
        self.persons: dict[tuple[str, str], str] = {}
        self.owner: dict[str, str] = {}  # person local_id -> true person
        self.latest: dict[tuple[str, str], Record] = {}  # (type, local_id) -> newest version
        self.links: dict[tuple[str, str], str] = {}  # (person, other) -> relationship local_id
        self._seq = seq
        self._counters: dict[str, int] = {}

    def _next(self, key: str) -> int:
        n = self._counters.get(key, 0) + 1
        self._counters[key] = n
        return n

    def new_id(self, rtype: str, at: dt.datetime, hint: str = "") -> str:
        """A fresh local id; ``hint`` is the school code for pupils, "V" for probation's victim contacts."""
        prefix = _PREFIX[self.code]
        if self.code == POLICE and rtype == "incident":
            return f"CP-I-{at.year}-{self._next(f'I{at.year}'):06d}"
        if self.code == POLICE and rtype == "disclosure":
            return f"CP-DVDS-{at.year}-{self._next(f'D{at.year}'):04d}"
        if rtype == "person":
            n = self._next(f"P{hint}")
            if self.code == POLICE:
                return f"CP-P-{10000 + n:07d}"
            if self.code == SCHOOLS:
                return f"SCH-{hint}-{n:06d}"
            if self.code == PROBATION:
                return f"PNE-V-{n:06d}"
            if self.code == IDVA:
                return f"HI-{n:05d}"
            return f"{prefix}-{n:07d}"
        return f"{prefix}-{_KIND[rtype]}-{self._next(rtype):06d}"

    def add(self, rtype: str, at: dt.datetime, fields: Record, local_id: str | None = None) -> Record:
        rec: Record = {
            "type": rtype,
            "agency": self.code,
            "local_id": local_id or self.new_id(rtype, at),
            "recorded_at": rfc3339(at),
            **fields,
        }
        self.lines.append((rec["recorded_at"], next(self._seq), rec))
        self.latest[(rtype, rec["local_id"])] = rec
        return rec

    def revise(self, rtype: str, local_id: str, at: dt.datetime, changes: Record) -> Record:
        """Re-submit a record with some fields changed: ingest treats it as an update."""
        base = self.latest[(rtype, local_id)]
        rec = {**base, **changes, "recorded_at": rfc3339(at)}
        self.lines.append((rec["recorded_at"], next(self._seq), rec))
        self.latest[(rtype, local_id)] = rec
        return rec

    def ordered(self) -> list[Record]:
        """Lines in submission order: by recorded_at, ties in the order they were made."""
        return [rec for _, _, rec in sorted(self.lines, key=lambda line: (line[0], line[1]))]
