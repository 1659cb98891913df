"""The partnership's agency directory: non-personal facts about each agency, for partners and the federation.

An agency is in the directory when the graph has records from it or an agreement names it as a party. Its name and
sector come from ``config/agencies.yaml`` (else its name from the latest agreement version that names it); the
agreements in force say which ones it is party to and which record types it may contribute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from graph import agencies as graph_agencies
from graph.store import Graph
from hub.policy.agreements import AgreementSet

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[1] / "config" / "agencies.yaml"
SECTORS = (
    "police",
    "probation",
    "health",
    "childrens_social_care",
    "adult_social_care",
    "housing",
    "victim_services",
    "education",
    "partnership",
    "other",
)


class DirectoryError(ValueError):
    """The agency directory file is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class AgencyInfo:
    code: str
    name: str | None
    sector: str | None
    first_submission_at: dt.datetime | None
    agreements: tuple[str, ...]  # agreements in force and active that name it as a party
    contributes: tuple[str, ...]  # record types those agreements let it submit


@cache
def load_directory(path: Path = DEFAULT_DIRECTORY) -> Mapping[str, tuple[str | None, str | None]]:
    """code -> (name, sector) from the directory file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryError(f"{path}: cannot be read as YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise DirectoryError(f"{path}: must map agency codes to {{name, sector}}")
    out: dict[str, tuple[str | None, str | None]] = {}
    for code, entry in data.items():
        if not isinstance(entry, dict) or set(entry) - {"name", "sector"}:
            raise DirectoryError(f"{path}: {code}: give only `name` and `sector`")
        sector = entry.get("sector")
        if sector is not None and sector not in SECTORS:
            raise DirectoryError(f"{path}: {code}: sector {sector!r} is not one of {', '.join(SECTORS)}")
        out[str(code)] = (entry.get("name"), sector)
    return out


def directory(graph: Graph, agreements: AgreementSet, today: dt.date) -> dict[str, AgencyInfo]:
    """Every agency the hub knows of, by code."""
    seen = graph_agencies.agencies(graph)
    config = load_directory()
    in_force = [a for a in agreements.in_force(today) if a.status == "active"]
    names: dict[str, str] = {}
    for a in sorted(agreements.agreements, key=lambda a: (a.effective_from, a.version)):
        for code, party in a.parties.items():
            names[code] = party.name  # the latest version that names the agency wins
    codes = sorted(set(seen) | set(names))
    out = {}
    for code in codes:
        name, sector = config.get(code, (None, None))
        out[code] = AgencyInfo(
            code=code,
            name=name or names.get(code),
            sector=sector,
            first_submission_at=_utc(seen.get(code)),
            agreements=tuple(sorted({a.id for a in in_force if code in a.parties})),
            contributes=tuple(sorted({t for a in in_force if code in a.parties for t in a.parties[code].contributes})),
        )
    return out


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
