"""Derived columns the model compares and blocks on, computed once per record from the extracted fields.

Pure functions of one record (plus the nickname table), so they are unit-testable and the same on every run:
normalised names, the formal names a given name may stand for (``robbie`` -> ``robert``), Soundex codes, every
surname a person is known by (current, hyphen parts, earlier names from ``other_names``), date-of-birth parts, the
postcode district, and the address's words and its numbers.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

import pyarrow as pa

_LETTERS = re.compile(r"[^a-z]+")
_PARTS = re.compile(r"[\s\-]+")
_WORDS = re.compile(r"[a-z0-9]+")
_SOUNDEX = {c: d for d, letters in (("1", "bfpv"), ("2", "cgjkqsxz"), ("3", "dt"), ("4", "l"), ("5", "mn"), ("6", "r"))
            for c in letters}  # fmt: skip

SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("agency", pa.string()),
        ("given", pa.string()),
        ("given_forms", pa.list_(pa.string())),
        ("given_sx", pa.string()),
        ("family", pa.string()),
        ("family_sx", pa.string()),
        ("surnames", pa.list_(pa.string())),
        ("dob", pa.string()),
        ("dob_year", pa.string()),
        ("gender", pa.string()),
        ("postcode", pa.string()),
        ("district", pa.string()),
        ("address", pa.string()),
        ("address_numbers", pa.string()),
        ("nhs", pa.string()),
        ("pnc", pa.string()),
        ("crn", pa.string()),
        ("ni", pa.string()),
        ("neighbours", pa.list_(pa.string())),
        ("perpetrator", pa.bool_()),
    ]
)


@functools.cache
def nickname_table() -> dict[str, frozenset[str]]:
    """Each known name -> the formal names it may stand for (a formal name stands for itself)."""
    forms: dict[str, set[str]] = {}
    text = resources.files("graph.identity").joinpath("nicknames.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    for row in rows:
        formal, variant = normalise(row["formal"]), normalise(row["variant"])
        if formal and variant:
            forms.setdefault(formal, {formal}).add(formal)
            forms.setdefault(variant, {variant}).add(formal)
    return {name: frozenset(values) for name, values in forms.items()}


def normalise(text: str | None) -> str | None:
    """Lower case letters only (``O'Brien`` -> ``obrien``); None for nothing left."""
    if not text:
        return None
    return _LETTERS.sub("", text.lower()) or None


def first_name(text: str | None) -> str | None:
    """The first given name, normalised (middle names are recorded inconsistently)."""
    if not text:
        return None
    parts = [p for p in (normalise(t) for t in _PARTS.split(text)) if p]
    return parts[0] if parts else None


def given_forms(given: str | None) -> list[str]:
    if given is None:
        return []
    return sorted(nickname_table().get(given, frozenset()) | {given})


def surnames(family: str | None, other_names: Iterable[str] | None) -> list[str]:
    """Every surname the record knows: whole and hyphen/space parts, of the family name and of other names."""
    out: set[str] = set()
    for text in [family, *(other_names or [])]:
        if not text:
            continue
        whole = normalise(text)
        if whole:
            out.add(whole)
        out.update(p for p in (normalise(t) for t in _PARTS.split(text)) if p and len(p) > 1)
    return sorted(out)


def soundex(word: str | None) -> str | None:
    if not word:
        return None
    code, last = word[0].upper(), _SOUNDEX.get(word[0], "")
    for c in word[1:]:
        digit = _SOUNDEX.get(c, "")
        if digit and digit != last:
            code += digit
        if c not in "hw":
            last = digit
    return (code + "000")[:4]


def postcode(text: str | None) -> tuple[str | None, str | None]:
    """(normalised postcode, district): ``ts18 1ab`` -> (``TS181AB``, ``TS18``)."""
    if not text:
        return None, None
    compact = re.sub(r"[^A-Z0-9]", "", text.upper())
    if len(compact) < 5:
        return compact or None, compact or None
    return compact, compact[:-3]


def _address(text: str | None) -> dict[str, str | None]:
    """The address as lower-case words (punctuation and spacing are recorded inconsistently), and its numbers apart:
    two addresses one typo apart on one street may be neighbours, and the house number tells them apart."""
    words = _WORDS.findall(text.lower()) if text else []
    if not words:
        return {"address": None, "address_numbers": None}
    return {"address": " ".join(words), "address_numbers": " ".join(w for w in words if w.isdigit())}


def features(raw: dict[str, Any]) -> dict[str, Any]:
    """One record's model columns from its extracted fields."""
    given = first_name(raw.get("given_name"))
    family = normalise(raw.get("family_name"))
    dob = raw.get("dob")
    gender = raw.get("gender")
    code, district = postcode(raw.get("postcode"))
    return {
        "unique_id": raw["key"],
        "agency": raw.get("agency"),
        "given": given,
        "given_forms": given_forms(given),
        "given_sx": soundex(given),
        "family": family,
        "family_sx": soundex(family),
        "surnames": surnames(raw.get("family_name"), raw.get("other_names")),
        "dob": dob,
        "dob_year": dob[:4] if dob else None,
        "gender": gender if gender in ("female", "male", "non_binary") else None,
        "postcode": code,
        "district": district,
        **_address(raw.get("address")),
        "nhs": _ident(raw.get("nhs_number")),
        "pnc": _ident(raw.get("pnc_id")),
        "crn": _ident(raw.get("probation_crn")),
        "ni": _ident(raw.get("ni_number")),
        "neighbours": list(raw.get("neighbours") or []),
        "perpetrator": bool(raw.get("perpetrator")),
    }


def feature_table(records: pa.Table) -> pa.Table:
    return pa.Table.from_batches([feature_batch(b) for b in records.to_batches()], schema=SCHEMA)


def feature_batch(records: pa.RecordBatch) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([features(raw) for raw in records.to_pylist()], schema=SCHEMA)


_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def checked(kind: str, value: str) -> bool:
    """Whether ``value`` passes its issuer's check: an NHS number's mod-11 check digit, a PNC id's mod-23 check
    letter (``YYNNNNNNNC`` once normalised). A number that fails its check was mis-keyed; one that passes almost
    surely was not (every single-digit error and every swap of two neighbouring digits breaks an NHS number's check).
    National Insurance numbers and probation case numbers carry no check: ``False``."""
    if kind == "nhs":
        if len(value) != 10 or not value.isdigit():
            return False
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(value[:9])) % 11
        return (0 if check == 11 else check) == int(value[9])
    if kind == "pnc":
        year, serial, letter = value[:2], value[2:-1], value[-1:]
        if not (year.isdigit() and serial.isdigit() and 1 <= len(serial) <= 7):
            return False
        return _PNC_LETTERS[int(year + serial.zfill(7)) % 23] == letter
    return False


def _ident(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\s/\-]", "", str(value)).upper()
    return text or None
