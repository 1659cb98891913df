"""Re-submissions and withdrawals, so the data exercises idempotent updates and the deleted flag.

About 1% of records are re-submitted later with a field changed (a case moves on: an arrest is
charged, a referral closes, a person moves house), counting the updates the replay already made
(a PNC id added at first arrest, a partner who became an ex-partner). A few records are withdrawn
with ``"deleted": true``: mostly duplicates keyed in twice and then withdrawn, and a few genuine
support needs or assessments recorded in error. Person records are never withdrawn, so every
reference keeps resolving.
"""

from __future__ import annotations

import datetime as dt
import random

from . import names
from .books import AGENCIES, Book, Record
from .model import DAY, rfc3339

_NEXT_OUTCOME = {
    "arrest": "charge",
    "charge": "conviction",
    "summons": "conviction",
    "none": "no_further_action",
}
_NEXT_ORDER = {"granted": ("breached", "discharged"), "applied": ("granted", "refused")}
_NEXT_REFERRAL = {"open": ("accepted",), "accepted": ("closed",), "engaged": ("disengaged", "closed")}
_WITHDRAWABLE = ("incident", "referral", "support_need", "risk_assessment")
_WEIGHT = {"incident": 4.0, "referral": 3.0, "order": 3.0, "disclosure": 3.0, "risk_assessment": 1.0}
_WEIGHT.update(person=0.5, relationship=1.0, support_need=1.0)


def _when(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def _changes(rng: random.Random, rec: Record, at: dt.datetime) -> Record | None:
    """The fields a later re-submission of ``rec`` changes, or None if nothing would plausibly change."""
    kind = rec["type"]
    if kind == "person":
        postcode, address = names.home(rng)  # moved house
        return {"postcode": postcode, "address": address} if "address" in rec else {"postcode": postcode}
    if kind == "incident":
        outcome = _NEXT_OUTCOME.get(rec.get("outcome", ""))
        if outcome:
            return {"outcome": outcome}
        return {"risk_level": rng.choice([r for r in ("standard", "medium", "high") if r != rec.get("risk_level")])}
    if kind == "relationship" and "end" not in rec:
        ended = {"end": (at.date() - rng.randint(1, 20) * DAY).isoformat()}
        return {**ended, "kind": "ex_partner"} if rec["kind"] == "intimate_partner" else ended
    if kind == "risk_assessment" and rec["tool"] == "DASH":
        score = min(27, rec["score"] + rng.randint(1, 3))
        return {"score": score, "level": "high" if score >= 14 else "medium" if score >= 9 else "standard"}
    if kind == "order" and rec.get("status") in _NEXT_ORDER:
        return {"status": rng.choice(_NEXT_ORDER[rec["status"]])}
    if kind == "referral" and rec.get("status") in _NEXT_REFERRAL:
        return {"status": rng.choice(_NEXT_REFERRAL[rec["status"]])}
    if kind == "disclosure" and rec.get("outcome") == "pending":
        return {"outcome": rng.choice(("disclosed", "not_disclosed")), "decided_at": rfc3339(at)}
    return None


def revise(
    books: dict[str, Book],
    rng: random.Random,
    cap: dt.datetime,
    update_rate: float,
    withdraw_rate: float,
    done: int,
) -> tuple[list[Record], list[Record]]:
    """Add updates and withdrawals to ``books``; ``done`` counts re-submissions made already.
    Returns (updates, withdrawals) for the ground truth."""
    keys = [(code, key) for code in AGENCIES for key in books[code].latest]
    total = sum(len(b.lines) for b in books.values())
    # weighted sampling without replacement (Efraimidis-Spirakis): cases that move on come first
    ranked = sorted(range(len(keys)), key=lambda i: -(rng.random() ** (1 / _WEIGHT[keys[i][1][0]])))
    want = {
        "withdraw": max(2, round(withdraw_rate * total)),
        "update": max(1, round(update_rate * total) - done),
    }
    updates: list[Record] = []
    withdrawals: list[Record] = []
    touched: set[int] = set()  # membership only
    for purpose in ("withdraw", "update"):
        made = withdrawals if purpose == "withdraw" else updates
        for i in ranked:
            if len(made) >= want[purpose]:
                break
            code, (rtype, local_id) = keys[i]
            base = books[code].latest[(rtype, local_id)]
            last = _when(base["recorded_at"])
            if i in touched or last > cap - 20 * DAY:
                continue
            at = min(cap, last + rng.randint(1, 120) * DAY)
            if purpose == "withdraw":
                if rtype in _WITHDRAWABLE:
                    withdrawals.append(_withdraw(books[code], rng, base, at))
                    touched.add(i)
                continue
            changes = _changes(rng, base, at)
            if changes:
                books[code].revise(rtype, local_id, at, changes)
                updates.append({"agency": code, "type": rtype, "local_id": local_id, "fields": sorted(changes)})
                touched.add(i)
    return updates, withdrawals


def _withdraw(book: Book, rng: random.Random, base: Record, at: dt.datetime) -> Record:
    """Withdraw a record: an incident is first keyed in twice and the duplicate withdrawn; other
    records are sometimes withdrawn outright as recorded in error."""
    rtype, local_id = base["type"], base["local_id"]
    if rtype == "incident" or rng.random() < 0.5:
        entered = _when(base["recorded_at"]) + rng.randint(5, 120) * dt.timedelta(minutes=1)
        when = _when(str(base.get("occurred_at") or base["recorded_at"]))
        copied = {k: v for k, v in base.items() if k not in ("local_id", "recorded_at")}
        twin = book.add(rtype, entered, copied, book.new_id(rtype, when))
        book.revise(rtype, twin["local_id"], at, {"deleted": True})
        return {"agency": book.code, "type": rtype, "local_id": twin["local_id"], "duplicate_of": local_id}
    book.revise(rtype, local_id, at, {"deleted": True})
    return {"agency": book.code, "type": rtype, "local_id": local_id, "duplicate_of": None}
