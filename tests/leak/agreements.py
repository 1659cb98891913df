"""The oracle's own reading of the agreements: the YAML files in ``agreements/`` and ``config/agencies.yaml``,
parsed with PyYAML and nothing of the hub's (no ``hub.policy``), so a mistake in the hub's reading cannot hide here.

What it decides, as written in the agreements:

- the version in force on a day: per agreement id, the version with the latest ``effective_from`` on or before the
  day governs; it authorises only if it is ``active`` and the day is before ``expires`` (a suspended or draft
  latest version does not fall back to an older one);
- who may ask: the caller's agency is a recipient with the role, and the justification matches when required;
- what flows: a record of type T from agency A flows under a purpose only if A is among the purpose's ``sources``,
  the agreement's party entry for A lists T in ``contributes``, and, for a health-sector source (config/agencies.yaml),
  the purpose names its ``special_category_condition``. The schema (``agreement.schema.json``) describes
  ``contributes`` as "record types this party may submit under this agreement" and says nothing of an absent list,
  so the strict reading holds: a party without a ``contributes`` list contributes nothing;
- fields shared per record type, masks, the retention cut-off, subject scope and age, ``min_cell``, alert kinds.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
RECORD_TYPES = (
    "person",
    "relationship",
    "incident",
    "risk_assessment",
    "order",
    "referral",
    "disclosure",
    "support_need",
)
# the reference fields of each record type: the links between a record and people (partner record format)
LINK_FIELDS = {
    "relationship": ("person", "other"),
    "incident": ("perpetrators", "victims", "children_present"),
    "risk_assessment": ("subject",),
    "order": ("subject", "protected"),
    "referral": ("subject",),
    "disclosure": ("subject", "recipient"),
    "support_need": ("subject",),
    "person": (),
}
# the date that places a record in time (retention); a person record is not dated
EVENT_DATE = {
    "relationship": "start",
    "incident": "occurred_at",
    "risk_assessment": "assessed_at",
    "order": "start",
    "referral": "referred_at",
    "disclosure": "applied_at",
    "support_need": "noted_at",
}


@dataclass(frozen=True)
class Terms:
    """One purpose of the agreement version in force."""

    agreement: str
    version: int
    purpose: str
    access: str  # records | aggregates | audit
    recipients: dict[str, frozenset[str]]
    justification_required: bool
    justification_like: str | None
    sources: frozenset[str]
    contributes: dict[str, frozenset[str] | None]  # party -> types; None: the party entry has no list
    retention: str | None
    share: dict[str, frozenset[str]]
    mask: dict[str, str]
    scope: str  # any | own-records
    max_age: int | None
    min_cell: int | None
    alerts: frozenset[str]
    special_category_condition: str | None
    sectors: dict[str, str] = field(default_factory=dict)

    def cutoff(self, today: dt.date) -> dt.date | None:
        """Records dated before this are past the retention window."""
        return None if self.retention is None else minus_period(today, self.retention)

    def flow_problem(self, agency: str, record_type: str) -> str | None:
        """Why a record of this type from this agency may not flow under the purpose; None when it may."""
        if agency not in self.sources:
            return "not a source"
        if agency not in self.contributes:
            return "not a party"
        listed = self.contributes[agency]
        if listed is None:
            return "party has no contributes list"
        if record_type not in listed:
            return f"party does not contribute {record_type}"
        if self.sectors.get(agency) == "health" and not self.special_category_condition:
            return "health source without a special category condition"
        return None

    def flows(self, agency: str, record_type: str) -> bool:
        return self.flow_problem(agency, record_type) is None

    def shares(self, record_type: str, name: str) -> bool:
        return name in self.share.get(record_type, frozenset())

    def masked(self, record_type: str, name: str) -> str | None:
        return self.mask.get(f"{record_type}.{name}")

    def justified(self, justification: str | None) -> bool:
        if not self.justification_required:
            return True
        if not justification:
            return False
        return self.justification_like is None or fnmatch.fnmatchcase(justification, self.justification_like)


def minus_period(day: dt.date, period: str) -> dt.date:
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", period)
    if not match:
        raise ValueError(f"not an ISO period the agreements use: {period}")
    years, months, days = (int(g or 0) for g in match.groups())
    month_index = day.year * 12 + (day.month - 1) - (years * 12 + months)
    year, month = divmod(month_index, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last)) - dt.timedelta(days=days)


def sectors(repo: Path = REPO) -> dict[str, str]:
    doc = yaml.safe_load((repo / "config" / "agencies.yaml").read_text(encoding="utf-8")) or {}
    return {code: str(entry.get("sector", "other")) for code, entry in doc.items()}


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def in_force(today: dt.date, repo: Path = REPO) -> dict[str, Terms]:
    """purpose -> the terms that govern it today (absent: nothing authorises that purpose)."""
    docs: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((repo / "agreements").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        docs.setdefault(doc["id"], []).append(doc)
    agency_sectors = sectors(repo)
    out: dict[str, Terms] = {}
    for versions in docs.values():
        started = [d for d in versions if _date(d["effective_from"]) <= today]
        if not started:
            continue
        doc = max(started, key=lambda d: (_date(d["effective_from"]), d["version"]))
        if doc["status"] != "active" or today >= _date(doc["expires"]):
            continue
        parties = doc["parties"]
        for purpose, p in doc["purposes"].items():
            justification = p.get("justification") or {}
            subjects = p.get("subjects") or {}
            out[purpose] = Terms(
                agreement=doc["id"],
                version=int(doc["version"]),
                purpose=purpose,
                access=p["access"],
                recipients={a: frozenset(roles) for a, roles in p["recipients"].items()},
                justification_required=bool(justification.get("required", False)),
                justification_like=justification.get("like"),
                sources=frozenset(p.get("sources", ())),
                contributes={
                    code: (frozenset(entry["contributes"]) if "contributes" in entry else None)
                    for code, entry in parties.items()
                },
                retention=p.get("retention"),
                share={t: frozenset(fields) for t, fields in (p.get("share") or {}).items()},
                mask=dict(p.get("mask") or {}),
                scope=str(subjects.get("scope", "any")),
                max_age=subjects.get("max_age"),
                min_cell=p.get("min_cell"),
                alerts=frozenset(p.get("alerts", ())),
                special_category_condition=p.get("special_category_condition"),
                sectors=agency_sectors,
            )
    return out
