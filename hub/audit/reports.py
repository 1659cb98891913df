"""Subject access reports that prove themselves: each event with its inclusion proof against a signed tree head.

A report (``hub audit report --format json``, GraphQL ``subjectAccessReport { document }``) is a JSON object:

    {"format": "hub-subject-access-report/1", "person": "<id>", "generated_at": "<UTC time>",
     "head": {<signed tree head, as hub audit checkpoint writes it>}, "public_key": "<PEM>",
     "accesses": [{"position": 12, <the event's fields>, "inclusion_proof": ["<hex>", ...]}, ...],
     "consistency": {"from_size": 8, "proof": ["<hex>", ...]}}           (only when one was asked for)

An event's leaf is its fields (everything but ``position`` and ``inclusion_proof``) as canonical JSON: keys sorted, no
whitespace, UTF-8, non-ASCII characters as themselves (Python's ``json.dumps(fields, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``). :func:`check_report` is what ``hub audit prove`` runs: it trusts nothing
in the report but what the public key (or the key id of a checkpoint the reader holds) vouches for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit import merkle
from hub.audit.events import AuditEvent, utc_text
from hub.audit.heads import HeadError, TreeHead
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.signing import VerifyKey

FORMAT = "hub-subject-access-report/1"
_NOT_EVENT = ("position", "inclusion_proof")


def canonical(fields: dict[str, Any]) -> bytes:
    """The leaf data of an event given as its JSON fields: the same bytes as :meth:`AuditEvent.to_json`."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_report(
    log: AuditLog, person: str, rows: Sequence[tuple[int, AuditEvent]], *, consistency_from: int | None = None
) -> dict[str, Any]:
    """The report on ``rows`` (the person's events), proven against the trail's latest signed tree head."""
    head = log.tree_head()
    if head is None and not rows:  # an empty trail: nothing to prove, and no head yet
        return {
            "format": FORMAT,
            "person": person,
            "generated_at": utc_text(dt.datetime.now(dt.UTC)),
            "head": None,
            "public_key": log.public_key.pem().decode("ascii"),
            "accesses": [],
        }
    if head is None or (rows and rows[-1][0] > head.size):
        raise AuditUnavailable("the trail has no signed tree head covering these events")
    accesses = [
        {
            "position": seq,
            **json.loads(event.to_json()),
            "inclusion_proof": [h.hex() for h in log.inclusion_proof(seq, head.size)],
        }
        for seq, event in rows
    ]
    report: dict[str, Any] = {
        "format": FORMAT,
        "person": person,
        "generated_at": utc_text(dt.datetime.now(dt.UTC)),
        "head": head.to_json(),
        "public_key": log.public_key.pem().decode("ascii"),
        "accesses": accesses,
    }
    if consistency_from is not None:
        if not 0 <= consistency_from <= head.size:
            raise ValueError(f"no consistency proof from size {consistency_from}: the head is at {head.size}")
        proof = log.consistency_proof(consistency_from, head.size)
        report["consistency"] = {"from_size": consistency_from, "proof": [h.hex() for h in proof]}
    return report


class ReportError(ValueError):
    """Not a report this tool can read; the message says what is wrong with it."""


@dataclass
class Checked:
    """What :func:`check_report` found: ``problems`` empty means every check passed."""

    person: str
    accesses: int
    head: TreeHead
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_report(report: object, *, public_key: VerifyKey | None = None, checkpoint: TreeHead | None = None) -> Checked:
    """Check every proof in ``report`` offline, against a key the reader trusts: ``public_key``, or the key a
    ``checkpoint`` the reader holds names by its key id. Raises ``ReportError`` if the report cannot be read."""
    if public_key is None and checkpoint is None:
        raise ValueError("a public key or a checkpoint is needed: without a key you trust, a report proves nothing")
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise ReportError(f"not a subject access report (format {FORMAT!r})")
    if report.get("head") is None:
        raise ReportError("it has no signed tree head: the trail was empty when it was made")
    try:
        head = TreeHead.from_json(report.get("head"))
    except HeadError as exc:
        raise ReportError(f"its head is not a signed tree head: {exc}") from exc
    accesses = report.get("accesses")
    person = report.get("person")
    if not isinstance(accesses, list) or not isinstance(person, str):
        raise ReportError("it has no person or no list of accesses")
    checked = Checked(person, len(accesses), head)
    key = public_key or _embedded_key(report)
    if checkpoint is not None and checkpoint.key_id != key.key_id:
        checked.problems.append(
            f"the checkpoint was signed by key {checkpoint.key_id[:16]}…, not by the report's key {key.key_id[:16]}…"
        )
        return checked
    if head.key_id != key.key_id:
        checked.problems.append(f"the report's head was signed by key {head.key_id[:16]}…, not {key.key_id[:16]}…")
        return checked
    if not key.verify_head(head):
        checked.problems.append("the signature on the report's head is not valid")
        return checked
    for index, access in enumerate(accesses):
        problem = _check_access(access, index, person, head)
        if problem:
            checked.problems.append(problem)
    if checkpoint is not None:
        problem = _check_checkpoint(report, head, checkpoint, key)
        if problem:
            checked.problems.append(problem)
        else:
            checked.notes.append(f"the head extends your checkpoint of size {checkpoint.size}")
    return checked


def _embedded_key(report: dict[str, Any]) -> VerifyKey:
    try:
        loaded = serialization.load_pem_public_key(str(report.get("public_key", "")).encode("ascii"))
    except (ValueError, UnicodeError) as exc:
        raise ReportError("its public_key is not a PEM public key") from exc
    if not isinstance(loaded, Ed25519PublicKey):
        raise ReportError("its public_key is not an Ed25519 key")
    return VerifyKey(loaded)


def _check_access(access: object, index: int, person: str, head: TreeHead) -> str | None:
    if not isinstance(access, dict):
        return f"access {index + 1} is not an object"
    position, path = access.get("position"), access.get("inclusion_proof")
    where = f"the access at position {position}"
    if not isinstance(position, int) or not isinstance(path, list) or not all(_is_hash(h) for h in path):
        return f"access {index + 1} has no position or no inclusion proof"
    fields = {k: v for k, v in access.items() if k not in _NOT_EVENT}
    leaf = merkle.leaf_hash(canonical(fields))
    if not merkle.verify_inclusion(leaf, position - 1, head.size, [bytes.fromhex(h) for h in path], head.root):
        return f"{where} is not in the signed tree: its content or its proof was altered"
    if person not in (fields.get("persons") or []):
        return f"{where} is in the trail but does not name person {person}"
    return None


def _check_checkpoint(report: dict[str, Any], head: TreeHead, checkpoint: TreeHead, key: VerifyKey) -> str | None:
    if not key.verify_head(checkpoint):
        return "the signature on the checkpoint is not valid"
    if checkpoint.size > head.size:
        return (
            f"the checkpoint (size {checkpoint.size}, signed {checkpoint.timestamp}) is ahead of the report's head "
            f"(size {head.size}, signed {head.timestamp}): the trail was rolled back, or the report is older than the "
            "checkpoint (ask for a new one)"
        )
    if checkpoint.size == head.size:
        return None if checkpoint.root == head.root else "the checkpoint and the report's head disagree at one size"
    consistency = report.get("consistency")
    if not isinstance(consistency, dict) or consistency.get("from_size") != checkpoint.size:
        return (
            f"the report carries no consistency proof from size {checkpoint.size}: ask for one "
            "(hub audit report --checkpoint, or consistencyFrom in GraphQL)"
        )
    proof = consistency.get("proof")
    if not isinstance(proof, list) or not all(_is_hash(h) for h in proof):
        return "the report's consistency proof is not a list of hashes"
    hashes = [bytes.fromhex(h) for h in proof]
    if not merkle.verify_consistency(checkpoint.size, head.size, checkpoint.root, head.root, hashes):
        return (
            f"the report's head (size {head.size}) does not extend your checkpoint (size {checkpoint.size}): the "
            "trail was rewritten since the checkpoint"
        )
    return None


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
