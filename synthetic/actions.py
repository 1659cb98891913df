"""Primitive record makers shared by the follow-ups: assessments, referrals, needs and orders."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .books import Record
from .model import DAY, rfc3339

if TYPE_CHECKING:
    from .records import Emitter

HOUR = dt.timedelta(hours=1)


def level(score: int) -> str:
    return "high" if score >= 14 else "medium" if score >= 9 else "standard"


def status(em: Emitter, at: dt.datetime, settled: tuple[str, ...]) -> str:
    """Recent referrals are still open; older ones have moved on."""
    return "open" if at > em.cap - 21 * DAY else em.rng.choice(settled)


def dash(em: Emitter, code: str, subject: str, at: dt.datetime, score: int) -> int:
    score = max(0, min(27, score))
    fields = {
        "subject": subject,
        "tool": "DASH",
        "score": score,
        "level": level(score),
        "assessed_at": rfc3339(at),
    }
    em.books[code].add("risk_assessment", em.clip(at + em.rng.randint(10, 240) * dt.timedelta(minutes=1)), fields)
    return score


def referral(
    em: Emitter, code: str, forum: str, subject: str, role: str, at: dt.datetime, settled: tuple[str, ...]
) -> None:
    at = em.clip(at)
    fields = {"forum": forum, "subject": subject, "role": role, "referred_at": rfc3339(at)}
    em.books[code].add("referral", at, {**fields, "status": status(em, at, settled)})


def marac(em: Emitter, code: str, victim_l: str, at: dt.datetime) -> None:
    referral(em, code, "MARAC", victim_l, "victim", at + em.rng.randint(1, 5) * DAY, ("accepted",))


def need(em: Emitter, code: str, subject: str, kind: str, at: dt.datetime) -> None:
    at = em.clip(at)
    em.books[code].add("support_need", at, {"subject": subject, "need": kind, "noted_at": rfc3339(at)})


def order(em: Emitter, code: str, kind: str, subject: str, protected: str, start: dt.date, length: int) -> None:
    at = em.clip(dt.datetime.combine(start, dt.time(10)) + em.rng.randint(0, 300) * dt.timedelta(minutes=1))
    recent = start > em.world.as_of - 14 * DAY
    state = (
        "applied" if recent and kind == "non_molestation_order" else "refused" if em.rng.random() < 0.04 else "granted"
    )
    fields: Record = {"kind": kind, "subject": subject, "protected": [protected], "start": start.isoformat()}
    fields.update(end=(start + length * DAY).isoformat(), status=state)
    em.books[code].add("order", at, fields)
