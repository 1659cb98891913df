"""Recording noise: how one agency writes down a true person on one occasion.

Every agency record of a person is rendered independently, so the same person carries a nickname
in one file, a typo in another, a married name in a third, a swapped day and month in a fourth
and a different postcode wherever they were recorded at a different time. Rates differ by agency
(health and schools copy from registration data; victim services and police often take details
over the phone) and are highest for a person described by someone else.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from . import names
from .model import Person


@dataclass(frozen=True)
class Profile:
    nickname: float
    typo: float
    dob_missing: float
    dob_slip: float  # day/month swap or a mistyped digit
    postcode_missing: float
    gender_missing: float
    address: float  # chance the full address line is recorded as well as the postcode
    other_names: float  # chance earlier family names are listed in other_names


PROFILES = {
    "cleveland-police": Profile(0.08, 0.04, 0.03, 0.02, 0.06, 0.02, 0.7, 0.5),
    "probation-ne": Profile(0.02, 0.02, 0.0, 0.01, 0.1, 0.0, 0.8, 0.7),
    "tees-nhs": Profile(0.02, 0.02, 0.0, 0.01, 0.02, 0.0, 0.9, 0.3),
    "stockton-childrens": Profile(0.05, 0.03, 0.03, 0.02, 0.05, 0.02, 0.8, 0.4),
    "thirteen-housing": Profile(0.05, 0.03, 0.08, 0.02, 0.0, 0.05, 1.0, 0.3),
    "harbour-idva": Profile(0.15, 0.04, 0.15, 0.02, 0.15, 0.05, 0.5, 0.4),
    "stockton-schools": Profile(0.03, 0.01, 0.0, 0.005, 0.0, 0.0, 0.9, 0.0),
}
# A perpetrator as a victim describes them to a support service: often no date of birth, no address.
HEARSAY = Profile(0.3, 0.08, 0.6, 0.05, 0.5, 0.2, 0.2, 0.1)
# A person the police failed to recognise and gave a second URN: that is why the duplicate exists.
UNRECOGNISED = Profile(0.35, 0.15, 0.25, 0.1, 0.3, 0.1, 0.5, 0.0)


_ERRORS = ("nickname", "typo", "dob_missing", "dob_slip", "postcode_missing", "gender_missing")


def scaled(profile: Profile, factor: float) -> Profile:
    """``profile`` with its error and missing-field rates times ``factor`` (a noise profile's ``base``)."""
    if factor == 1.0:
        return profile
    return replace(profile, **{f: min(1.0, getattr(profile, f) * factor) for f in _ERRORS})


def typo(rng: random.Random, word: str) -> str:
    """Transpose, drop or double one letter, never the first (people rarely get that wrong)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.randrange(3)
    if op == 0 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def slip(rng: random.Random, dob: dt.date) -> dt.date:
    """A date of birth as mis-keyed: day and month swapped where that is a valid date, else a digit off."""
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.7:
        return dob.replace(month=dob.day, day=dob.month)
    if rng.random() < 0.5:
        return dob + dt.timedelta(days=rng.choice((-1, 1)))
    try:
        return dob.replace(year=dob.year + rng.choice((-1, 1)))
    except ValueError:
        return dob + dt.timedelta(days=1)


def render(rng: random.Random, p: Person, on: dt.date, profile: Profile) -> dict[str, object]:
    """The name, date of birth, gender and address fields of one person record made on ``on``."""
    given = p.given
    if rng.random() < profile.nickname:
        given = names.nickname(rng, given)
    if rng.random() < profile.typo:
        given = typo(rng, given)
    family = p.family_at(on)
    if rng.random() < profile.typo:
        family = typo(rng, family)
    rec: dict[str, object] = {"given_name": given, "family_name": family}
    earlier = p.earlier_families(on)
    if earlier and rng.random() < profile.other_names:
        rec["other_names"] = earlier
    if rng.random() >= profile.gender_missing:
        rec["gender"] = p.gender
    elif rng.random() < 0.5:
        rec["gender"] = "unknown"
    if rng.random() >= profile.dob_missing:
        rec["dob"] = (slip(rng, p.dob) if rng.random() < profile.dob_slip else p.dob).isoformat()
    postcode, address = p.home_at(on)
    if rng.random() >= profile.postcode_missing:
        rec["postcode"] = postcode
        if rng.random() < profile.address:
            rec["address"] = address
    return rec
