"""The Ed25519 key that signs checkpoints, kept in one file with mode 0600 and generated on first use.

A verifier needs only the public key (:meth:`SigningKey.public_key`, exportable as raw bytes or PEM), so an auditor
can check a copy of the trail without the secret. The key signs the hash chain's checkpoints and head, and the Merkle
tree's signed tree heads (:mod:`hub.audit.heads`), which name it by its key id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub import secret_file
from hub.audit.chain import Signed
from hub.audit.events import utc_text
from hub.audit.heads import TreeHead
from hub.audit.port import AuditUnavailable


def statement(seq: int, hash_: str) -> bytes:
    """What a checkpoint signs: a domain tag, so the signature cannot be replayed as anything else."""
    return f"hub-audit-checkpoint-v1\n{seq}\n{hash_}".encode("ascii")


class VerifyKey:
    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key

    @classmethod
    def from_pem(cls, pem: bytes) -> VerifyKey:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return cls(key)

    @classmethod
    def from_raw(cls, raw: bytes) -> VerifyKey:
        return cls(Ed25519PublicKey.from_public_bytes(raw))

    def raw(self) -> bytes:
        return self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def pem(self) -> bytes:
        return self._key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def key_id(self) -> str:
        """SHA-256 of the DER SubjectPublicKeyInfo, in hex: how tree heads name the key that signed them."""
        der = self._key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return hashlib.sha256(der).hexdigest()

    def verify(self, signed: Signed) -> bool:
        try:
            self._key.verify(bytes(signed.signature), statement(signed.seq, signed.hash))
        except (InvalidSignature, TypeError, ValueError):
            return False
        return True

    def verify_head(self, head: TreeHead) -> bool:
        """True if this key signed ``head`` (its key id names this key and the signature checks)."""
        if head.key_id != self.key_id:
            return False
        try:
            self._key.verify(bytes(head.signature), head.statement())
        except (InvalidSignature, TypeError, ValueError):
            return False
        return True


class SigningKey:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = VerifyKey(key.public_key())

    def __repr__(self) -> str:  # never the secret
        return f"SigningKey(public={self.public_key.raw().hex()})"

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Load the key at ``path``, creating it (and a 0700 parent) if absent; unusable keys fail closed."""
        try:
            if not path.exists():
                _create(path)
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise AuditUnavailable(f"audit signing key {path} is unusable: {type(exc).__name__}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise AuditUnavailable(f"audit signing key {path} is not an Ed25519 key")
        return cls(key)

    def sign(self, seq: int, hash_: str) -> Signed:
        return Signed(seq, hash_, self._key.sign(statement(seq, hash_)))

    def sign_head(self, size: int, root: bytes, at: dt.datetime | None = None) -> TreeHead:
        """A signed tree head for the first ``size`` events, whose Merkle root is ``root``, timed now unless ``at``."""
        timestamp = utc_text(at or dt.datetime.now(dt.UTC))
        head = TreeHead(size, root, timestamp, self.public_key.key_id, b"")
        return TreeHead(size, root, timestamp, head.key_id, self._key.sign(head.statement()))


def _create(path: Path) -> None:
    # linked into place whole: when two processes start at once the first wins and the other loads its key
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    secret_file.create_once(path, pem)
