"""Recording errors on person records, one function per kind, each kind drawing from its own random stream.

What the kinds are and why (published evidence on administrative person data):

* Dates of birth. Day and month swapped, a digit or a day out, a year out, and the 1st of the month or 1 January
  standing in for a part not known are the date discrepancies master patient index audits find (Just et al. 2016,
  Perspect Health Inf Manag 13:1e; Grannis et al. 2002, Proc AMIA 305-9) and causes of missed links
  in linked English hospital data (Hagger-Johnson et al. 2015, BMJ Open 5:e008118); default dates such as 1 January
  are a known data-quality artefact (Christen 2012, Data Matching). "A year and a day" out and a missing
  date are the two that split most records from their person in issue 14's independent set.
* Names. Nicknames, misspellings, married and hyphenated surnames (Just et al. 2016); single-letter typos
  (transposition, deletion, insertion, substitution) are about 80% of misspellings and rarely hit the first letter
  (Damerau 1964, CACM 7:171; Pollock & Zamora 1984, CACM 27:358); spelling variants of names heard or
  transliterated (Christen & Pudjijono 2009, PAKDD, the FEBRL generator's phonetic rules); linkage error is higher
  for names from other scripts (Hagger-Johnson et al. 2015; Bohensky et al. 2010, BMC Health Serv Res 10:346).
* Identifiers. Transposed and mistyped digits and one person's number on another's record (a relative's NHS number,
  a borrowed identity): Just et al. 2016; Aldridge et al. 2015, PLoS One 10:e0136179.
* Addresses. An address out of date after a move (people's details change over time: Christen 2012), and communal
  addresses (hostels, refuges) that many unrelated people share, which make address agreement weak evidence and
  were behind wrong merges in issue 14's independent set.

A kind changes a record only where it can (a swap needs a day of 12 or less); ``Recorder.apply`` says which kinds
changed it, and ``Recorder.hit`` lists the records each kind changed, for the ground truth.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import Any

from . import names, spelling
from .model import DAY, Person, shift_years
from .profiles import RECORD_KINDS, NoiseProfile

Record = dict[str, Any]
SHARED_ADDRESSES = 6  # hostels, refuges and a night shelter in the area
_IDS = {"nhs_number": "nhs", "ni_number": "ni", "pnc_id": "pnc"}  # record identifier -> Person attribute


def _dob(rec: Record) -> dt.date | None:
    return dt.date.fromisoformat(rec["dob"]) if "dob" in rec else None


def _set_dob(rec: Record, new: dt.date | None) -> bool:
    if new is None or rec.get("dob") == new.isoformat():
        return False
    rec["dob"] = new.isoformat()
    return True


def dob_day(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and _set_dob(rec, d + rng.choice((-1, 1)) * DAY)


def dob_month(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    for step in rng.sample((-1, 1), 2) if d else ():
        assert d is not None
        if 1 <= d.month + step <= 12:
            try:
                return _set_dob(rec, d.replace(month=d.month + step))
            except ValueError:  # 31 March -> 31 April
                continue
    return False


def dob_year(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and _set_dob(rec, shift_years(d, rng.choice((-1, 1))))


def dob_year_and_day(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and _set_dob(rec, shift_years(d, rng.choice((-1, 1))) + rng.choice((-1, 1)) * DAY)


def dob_swapped(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and d.day <= 12 and _set_dob(rec, d.replace(month=d.day, day=d.month))


def dob_first_of_month(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and _set_dob(rec, d.replace(day=1))


def dob_first_of_january(rng: random.Random, rec: Record) -> bool:
    d = _dob(rec)
    return d is not None and _set_dob(rec, dt.date(d.year, 1, 1))


def dob_missing(rng: random.Random, rec: Record) -> bool:
    return rec.pop("dob", None) is not None


def _name_field(rng: random.Random, rec: Record) -> str | None:
    present = [f for f in ("given_name", "family_name") if rec.get(f)]
    return rng.choice(present) if present else None


def nickname(rng: random.Random, rec: Record) -> bool:
    forms = names.NICKNAMES.get(rec.get("given_name", ""))
    if not forms:
        return False
    rec["given_name"] = rng.choice(forms)
    return True


def typo(rng: random.Random, rec: Record) -> bool:
    field = _name_field(rng, rec)
    if field is None:
        return False
    new = spelling.misspell(rng, rec[field])
    changed = new != rec[field]
    rec[field] = new
    return changed


def _other_surname(rng: random.Random, family: str) -> str:
    while True:
        other = names.family_name(rng)
        if other != family:
            return other


def married(rng: random.Random, rec: Record, p: Person, on: dt.date) -> bool:
    """A family name taken on marriage or a new partnership that no other record of the person knows."""
    if not rec.get("family_name") or p.age_on(on) < 16:
        return False
    rec["family_name"] = _other_surname(rng, rec["family_name"])
    return True


def hyphenated(rng: random.Random, rec: Record) -> bool:
    """A double-barrelled or hyphenated family name, the recorded one either first or second."""
    family = rec.get("family_name")
    if not family:
        return False
    other = _other_surname(rng, family)
    rec["family_name"] = rng.choice((f"{family}-{other}", f"{other}-{family}", f"{family} {other}"))
    return True


def transliteration(rng: random.Random, rec: Record) -> bool:
    field = _name_field(rng, rec)
    if field is None:
        return False
    new = spelling.respell(rng, rec[field])
    changed = new != rec[field]
    rec[field] = new
    return changed


def _id_field(rng: random.Random, rec: Record) -> str | None:
    held = [k for k in _IDS if k in rec.get("identifiers", {})]
    return rng.choice(held) if held else None


def id_transposed(rng: random.Random, rec: Record) -> bool:
    field = _id_field(rng, rec)
    if field is None:
        return False
    s = rec["identifiers"][field]
    spots = [i for i in range(len(s) - 1) if s[i].isdigit() and s[i + 1].isdigit() and s[i] != s[i + 1]]
    if not spots:
        return False
    i = rng.choice(spots)
    rec["identifiers"][field] = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return True


def id_digit(rng: random.Random, rec: Record) -> bool:
    field = _id_field(rng, rec)
    if field is None:
        return False
    s = rec["identifiers"][field]
    i = rng.choice([i for i, c in enumerate(s) if c.isdigit()])
    rec["identifiers"][field] = s[:i] + rng.choice([d for d in "0123456789" if d != s[i]]) + s[i + 1 :]
    return True


_PLAIN = (
    dob_day, dob_month, dob_year, dob_year_and_day, dob_swapped, dob_first_of_month, dob_first_of_january, dob_missing,
    nickname, typo, hyphenated, transliteration, id_transposed, id_digit,
)  # fmt: skip


class Recorder:
    """Applies a profile's record-level error kinds to person records as the agencies write them."""

    def __init__(self, profile: NoiseProfile, seed: int, people: Mapping[str, Person]) -> None:
        self.rates = profile.rates(RECORD_KINDS)
        self.streams = {k: random.Random(f"synthetic:{seed}:errors:{k}") for k in self.rates}
        self.hit: dict[str, list[tuple[str, str]]] = {k: [] for k in self.rates}  # kind -> (agency, local_id)
        self.people = people
        where = random.Random(f"synthetic:{seed}:errors:shared-addresses")
        self.shared = [names.home(where) for _ in range(SHARED_ADDRESSES)]
        self._holders: dict[str, list[str]] = {}  # Person attribute -> ids of the people who hold one
        # kind -> (function, whether it needs the person and the day)
        self._kinds: dict[str, tuple[Callable[..., bool], bool]] = {
            **{fn.__name__: (fn, False) for fn in _PLAIN},
            "married": (married, True),
            "id_reused": (self.id_reused, True),
            "moved": (self.moved, True),
            "hostel": (self.hostel, False),
        }
        assert set(self._kinds) == set(RECORD_KINDS)

    def __bool__(self) -> bool:
        return bool(self.rates)

    def apply(self, rec: Record, p: Person, on: dt.date) -> list[str]:
        """Give ``rec`` (a person's fields as one agency records them on ``on``) each kind's error at its rate."""
        done = []
        for kind, rate in self.rates.items():
            rng = self.streams[kind]
            if rng.random() >= rate:
                continue
            fn, context = self._kinds[kind]
            if fn(rng, rec, p, on) if context else fn(rng, rec):
                done.append(kind)
        return done

    def note(self, kinds: list[str], agency: str, local_id: str) -> None:
        for kind in kinds:
            self.hit[kind].append((agency, local_id))

    def id_reused(self, rng: random.Random, rec: Record, p: Person, on: dt.date) -> bool:
        """Another person's number of the same kind: a parent's or twin's where there is one, else anyone's."""
        field = _id_field(rng, rec)
        if field is None:
            return False
        attr = _IDS[field]
        kin = [getattr(self.people[q], attr) for q in [*p.parents, p.twin_of or ""] if q in self.people]
        kin = [v for v in kin if v]
        if kin:
            rec["identifiers"][field] = rng.choice(kin)
            return True
        holders = self._holders.get(attr)
        if holders is None:
            holders = self._holders[attr] = [q.id for q in self.people.values() if getattr(q, attr)]
        other = self.people[rng.choice(holders)]
        if other.id == p.id:
            return False
        rec["identifiers"][field] = getattr(other, attr)
        return True

    def moved(self, rng: random.Random, rec: Record, p: Person, on: dt.date) -> bool:
        """An address out of date: one the person had before (or since), or a new one no other agency knows."""
        if "postcode" not in rec:
            return False
        others = [(pc, a) for _, pc, a in p.homes if pc != rec["postcode"]]
        postcode, address = rng.choice(others) if others and rng.random() < 0.5 else names.home(rng)
        return self._place(rec, postcode, address)

    def hostel(self, rng: random.Random, rec: Record) -> bool:
        """One of a few addresses that many unrelated people pass through (a hostel, a refuge)."""
        return self._place(rec, *rng.choice(self.shared))

    @staticmethod
    def _place(rec: Record, postcode: str, address: str) -> bool:
        changed = rec.get("postcode") != postcode
        if "address" in rec or "postcode" not in rec:
            rec["address"] = address
        rec["postcode"] = postcode
        return changed
