"""Signed tree heads: the signed statement "the trail's first ``size`` events have Merkle root ``root``" (RFC 6962 3.5).

A head is what the hub publishes to a witness, what ``hub audit checkpoint`` writes and what a subject access report's
proofs are checked against. Its JSON form is self-describing, so a verifier needs nothing from the hub but the public
key (or only its key id, if the public key comes with the report):

    {"version": "hub-audit-tree-head/1", "hash_algorithm": "sha-256", "tree": "rfc6962",
     "signature_algorithm": "ed25519", "tree_size": 10, "root_hash": "<64 hex>",
     "timestamp": "2026-12-04T09:00:00.000000Z", "key_id": "<64 hex>", "signature": "<base64>"}

The signature is Ed25519 over the ASCII text ``hub-audit-tree-head-v1\\n{tree_size}\\n{root_hash}\\n{timestamp}``, and
the key id is the SHA-256 of the public key's DER SubjectPublicKeyInfo (as a CT log's id is).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "hub-audit-tree-head/1"
_FIXED = {
    "version": VERSION,
    "hash_algorithm": "sha-256",
    "tree": "rfc6962",
    "signature_algorithm": "ed25519",
}
_FIELDS = {"tree_size", "root_hash", "timestamp", "key_id", "signature"}


class HeadError(ValueError):
    """Not a signed tree head this hub can read; the message says what is wrong with it."""


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    timestamp: str  # canonical UTC text (hub.audit.events.utc_text)
    key_id: str
    signature: bytes

    def statement(self) -> bytes:
        return statement(self.size, self.root, self.timestamp)

    def to_json(self) -> dict[str, Any]:
        return {
            **_FIXED,
            "tree_size": self.size,
            "root_hash": self.root.hex(),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: object) -> TreeHead:
        if not isinstance(data, dict):
            raise HeadError("a signed tree head is a JSON object")
        for name, value in _FIXED.items():
            if data.get(name) != value:
                raise HeadError(f"{name} is {data.get(name)!r}, expected {value!r}")
        extra, missing = set(data) - set(_FIXED) - _FIELDS, _FIELDS - set(data)
        if extra or missing:
            raise HeadError(f"fields {sorted(missing)} are missing" if missing else f"unknown fields {sorted(extra)}")
        size, root, key_id = data["tree_size"], data["root_hash"], data["key_id"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise HeadError("tree_size must be a whole number")
        if not (_is_hex(root, 64) and _is_hex(key_id, 64)):
            raise HeadError("root_hash and key_id must be 64 lowercase hex digits")
        if not isinstance(data["timestamp"], str) or not data["timestamp"].isascii():
            raise HeadError("timestamp must be text")
        try:
            signature = base64.b64decode(data["signature"], validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise HeadError("signature must be base64") from exc
        return cls(size, bytes.fromhex(root), data["timestamp"], key_id, signature)

    @classmethod
    def loads(cls, text: str) -> TreeHead:
        try:
            return cls.from_json(json.loads(text))
        except json.JSONDecodeError as exc:
            raise HeadError(f"not JSON: {exc.msg} at line {exc.lineno}") from exc


def statement(size: int, root: bytes, timestamp: str) -> bytes:
    """What a tree head's signature covers: a domain tag, so it cannot be replayed as any other signed statement."""
    return f"hub-audit-tree-head-v1\n{size}\n{root.hex()}\n{timestamp}".encode("ascii")


def _is_hex(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)


def load_heads(path: Path) -> list[tuple[str, TreeHead]]:
    """The heads in a checkpoint file, or in every ``*.json`` file of a witness directory, named by file; sorted by
    size. ``HeadError`` names the file that cannot be read."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    heads: list[tuple[str, TreeHead]] = []
    for file in files:
        try:
            heads.append((str(file), TreeHead.loads(file.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError) as exc:
            raise HeadError(f"{file}: cannot be read: {type(exc).__name__}") from exc
        except HeadError as exc:
            raise HeadError(f"{file}: not a signed tree head: {exc}") from exc
    if not heads:
        raise HeadError(f"{path}: holds no signed tree head (*.json)")
    return sorted(heads, key=lambda named: (named[1].size, named[0]))
