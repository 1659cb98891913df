"""Data-sharing agreements: versioned YAML documents, checked at load with errors an IG officer can act on.

Each file holds one version of one agreement (``id`` + ``version``). Several versions of an agreement may sit side by
side: a version is in force from its ``effective_from`` until its ``expires`` or the next version's
``effective_from``, whichever comes first, and only while its status is ``active``. A purpose code belongs to one
agreement, so every decision names exactly one agreement and version.

The shape is checked by ``agreement.schema.json``; the meaning (fields the catalogue knows, recipients and sources that
are parties, masks that fit their fields, dates in order, a condition for special category data) here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from hub.policy.catalogue import FIELDS, MASKS


class AgreementError(ValueError):
    """One or more agreement files are invalid; ``problems`` lists each as ``file: where: what``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Period:
    """An ISO 8601 period of whole years, months and days (``P3Y``, ``P18M``, ``P90D``)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", text)
        if not match or text == "P":
            raise ValueError(f"{text!r} is not a period such as P3Y, P18M or P90D")
        return cls(*(int(part or 0) for part in match.groups()))

    def before(self, day: dt.date) -> dt.date:
        """``day`` minus this period (the end of a short month clamps, as calendars do)."""
        months = day.year * 12 + day.month - 1 - self.years * 12 - self.months
        year, month = divmod(months, 12)
        month += 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(day.day, last)) - dt.timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [f"{n}{u}" for n, u in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n]
        return "P" + "".join(parts or ["0D"])


@dataclass(frozen=True)
class Justification:
    required: bool = False
    like: str | None = None  # Cedar `like` pattern: * matches any run of characters
    describe: str | None = None


@dataclass(frozen=True)
class Purpose:
    code: str
    description: str
    access: str  # records | aggregates | audit
    recipients: Mapping[str, frozenset[str]]  # agency -> roles
    justification: Justification
    sources: frozenset[str]
    retention: Period | None
    fields: frozenset[str]  # catalogue keys, "entity.field"
    masks: Mapping[str, str]  # catalogue key -> mask
    subject_scope: str  # any | own-records
    subject_max_age: int | None
    min_cell: int | None
    special_category_condition: str | None
    alerts: frozenset[str] = frozenset()  # alert kinds the recipients receive

    def admits(self, agency: str, roles: Iterable[str]) -> bool:
        return bool(self.recipients.get(agency, frozenset()) & set(roles))


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    contributes: frozenset[str]  # record types it submits: only these of its records flow to any purpose
    sector: str | None = None  # "health": every record it holds is special category data


@dataclass(frozen=True)
class Agreement:
    id: str
    version: int
    title: str
    status: str
    effective_from: dt.date
    review_by: dt.date
    expires: dt.date
    controller: str
    parties: Mapping[str, Party]
    lawful_basis: tuple[str, ...]
    purposes: Mapping[str, Purpose]
    file: str
    digest: str  # sha256 of the file's bytes: what exactly this version said

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version}"

    def sources(self, purpose: Purpose, entity: str) -> list[str]:
        """The agencies whose records of ``entity`` flow for ``purpose``: its sources that contribute that type."""
        return sorted(a for a in purpose.sources if a in self.parties and entity in self.parties[a].contributes)


@dataclass(frozen=True)
class AgreementSet:
    """Every loaded version, and which one is in force on a given day."""

    agreements: tuple[Agreement, ...]

    def window(self, agreement: Agreement) -> tuple[dt.date, dt.date]:
        """[start, end): when this version can authorise, if active; a later version's start ends it."""
        # a later version ends this one even when it takes effect on the same day or earlier (the window is empty)
        later = [a.effective_from for a in self.agreements if a.id == agreement.id and a.version > agreement.version]
        return agreement.effective_from, min([agreement.expires, *later])

    def in_force(self, day: dt.date) -> list[Agreement]:
        """The version of each agreement that governs ``day``, active or not (a suspended one governs, and
        authorises nothing)."""
        current: dict[str, Agreement] = {}
        for a in sorted(self.agreements, key=lambda a: a.version):
            start, end = self.window(a)
            if start <= day < end:
                current[a.id] = a
        return list(current.values())

    def for_purpose(self, purpose: str, day: dt.date) -> Agreement | None:
        return next((a for a in self.in_force(day) if purpose in a.purposes), None)

    @property
    def purposes(self) -> list[str]:
        return sorted({p for a in self.agreements for p in a.purposes})

    @property
    def agencies(self) -> list[str]:
        return sorted({code for a in self.agreements for code in a.parties})


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((Path(__file__).with_name("agreement.schema.json")).read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _plain(value: Any) -> Any:
    """YAML reads unquoted dates as dates; the schema and the digest want the text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _where(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top)"


def parse_agreement(text: bytes, file: str) -> Agreement:
    """One agreement version from its YAML bytes; AgreementError lists every problem found."""
    try:
        doc = _plain(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(top)"
        raise AgreementError([f"{file}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        raise AgreementError([f"{file}: {_where(e.absolute_path)}: {e.message}" for e in errors])
    problems: list[str] = []

    def problem(where: str, what: str) -> None:
        problems.append(f"{file}: {where}: {what}")

    dates = {k: dt.date.fromisoformat(doc[k]) for k in ("effective_from", "review_by", "expires")}
    if not dates["effective_from"] < dates["expires"]:
        problem("expires", "must be after effective_from")
    if not dates["effective_from"] <= dates["review_by"] <= dates["expires"]:
        problem("review_by", "must fall between effective_from and expires")
    parties = {
        code: Party(code, p["name"], frozenset(p.get("contributes", [])), p.get("sector"))
        for code, p in doc["parties"].items()
    }
    purposes = {code: _purpose(code, terms, parties, problem) for code, terms in doc["purposes"].items()}
    if problems:
        raise AgreementError(problems)
    return Agreement(
        id=doc["id"],
        version=doc["version"],
        title=doc["title"],
        status=doc["status"],
        controller=doc["controller"],
        parties=parties,
        lawful_basis=tuple(doc["lawful_basis"]),
        purposes=purposes,
        file=file,
        digest=hashlib.sha256(text).hexdigest(),
        **dates,
    )


def _purpose(code: str, terms: dict[str, Any], parties: Mapping[str, Party], problem: Any) -> Purpose:
    at = f"purposes.{code}"
    for agency in terms["recipients"]:
        if agency not in parties:
            problem(f"{at}.recipients", f"{agency!r} is not a party to the agreement")
    for agency in terms.get("sources", []):
        if agency not in parties:
            problem(f"{at}.sources", f"{agency!r} is not a party to the agreement")
    fields: set[str] = set()
    for entity, names in terms.get("share", {}).items():
        for name in names:
            key = f"{entity}.{name}"
            if key not in FIELDS:
                known = ", ".join(f.name for f in FIELDS.values() if f.entity == entity)
                problem(f"{at}.share.{entity}", f"unknown field {name!r} (known: {known})")
            fields.add(key)
    masks: dict[str, str] = terms.get("mask", {})
    for key, mask in masks.items():
        if key not in fields:
            problem(f"{at}.mask.{key}", "masks a field the purpose does not share")
        elif key in FIELDS and FIELDS[key].kind not in MASKS[mask]:  # an unknown field is reported above
            problem(f"{at}.mask.{key}", f"{mask!r} does not apply to a {FIELDS[key].kind} field")
    special = sorted(k for k in fields if k in FIELDS and FIELDS[k].special)
    if special and not terms.get("special_category_condition"):
        problem(at, f"shares special category data ({', '.join(special)}) without a special_category_condition")
    health = sorted(a for a in terms.get("sources", []) if a in parties and parties[a].sector == "health")
    if health and not terms.get("special_category_condition"):
        problem(
            f"{at}.sources",
            f"draws on a health party ({', '.join(health)}), whose every record is special category data, "
            "without a special_category_condition",
        )
    access = terms["access"]
    if access == "audit" and (fields or terms.get("sources")):
        problem(at, "an audit purpose reads the audit trail only: it shares no fields and has no sources")
    if access != "audit" and not (fields and terms.get("sources")):
        problem(at, f"{access} access needs fields to share and sources they may come from")
    if access == "aggregates" and "min_cell" not in terms:
        problem(at, "aggregates access needs min_cell (small-number suppression)")
    if access != "records" and terms.get("alerts"):
        problem(f"{at}.alerts", "alerts go to purposes with records access only")
    if access != "aggregates" and "min_cell" in terms:
        problem(f"{at}.min_cell", "applies to aggregates access only")
    just = terms.get("justification", {"required": False})
    if just.get("like") and not just["required"]:
        problem(f"{at}.justification.like", "a pattern needs required: true")
    subjects = terms.get("subjects", {})
    return Purpose(
        code=code,
        description=terms["description"].strip(),
        access=access,
        recipients={agency: frozenset(roles) for agency, roles in terms["recipients"].items()},
        justification=Justification(just["required"], just.get("like"), just.get("describe")),
        sources=frozenset(terms.get("sources", [])),
        retention=Period.parse(terms["retention"]) if "retention" in terms else None,
        fields=frozenset(fields),
        masks=dict(masks),
        subject_scope=subjects.get("scope", "any"),
        subject_max_age=subjects.get("max_age"),
        min_cell=terms.get("min_cell"),
        special_category_condition=terms.get("special_category_condition"),
        alerts=frozenset(terms.get("alerts", [])),
    )


def load_agreements(directory: Path) -> AgreementSet:
    """Every ``*.yaml`` / ``*.yml`` file in ``directory``; all problems across all files are reported together."""
    if not directory.is_dir():
        raise AgreementError([f"{directory}: no such directory (set HUB_AGREEMENTS_DIR)"])
    problems: list[str] = []
    loaded: list[Agreement] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            loaded.append(parse_agreement(path.read_bytes(), path.name))
        except AgreementError as exc:
            problems.extend(exc.problems)
        except OSError as exc:
            problems.append(f"{path.name}: cannot be read ({exc.strerror})")
    problems.extend(_conflicts(loaded))
    if problems:
        raise AgreementError(problems)
    return AgreementSet(tuple(loaded))


def _conflicts(agreements: list[Agreement]) -> list[str]:
    problems = []
    seen: dict[tuple[str, int], str] = {}
    owner: dict[str, str] = {}
    for a in agreements:
        if (a.id, a.version) in seen:
            problems.append(f"{a.file}: version: {a.label} is also defined in {seen[(a.id, a.version)]}")
        seen[(a.id, a.version)] = a.file
        for purpose in a.purposes:
            if owner.setdefault(purpose, a.id) != a.id:
                problems.append(
                    f"{a.file}: purposes.{purpose}: already governed by agreement {owner[purpose]!r}; "
                    "a purpose belongs to one agreement"
                )
    return problems
