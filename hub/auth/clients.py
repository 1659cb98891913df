"""Registered OAuth2 clients (partner systems) in ``<data dir>/secrets/clients.json``, secrets kept only as hashes."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hub import secret_file

# scrypt parameters (RFC 7914 interactive-login strength); stored with each hash so they can be raised later
_N, _R, _P = 2**14, 8, 1


def clients_path(data_dir: Path) -> Path:
    return data_dir / "secrets" / "clients.json"


@dataclass(frozen=True)
class Client:
    client_id: str
    agency: str
    roles: tuple[str, ...]
    allowed_purposes: tuple[str, ...]


def _hash(secret: str, salt: bytes, n: int = _N, r: int = _R, p: int = _P) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def _encode(secret: str) -> str:
    salt = secrets.token_bytes(16)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${_hash(secret, salt).hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    """Whether ``secret`` hashes to ``stored`` (scrypt: CPU-heavy by design, so never on the event loop)."""
    _, n, r, p, salt, digest = stored.split("$")
    return hmac.compare_digest(_hash(secret, bytes.fromhex(salt), int(n), int(r), int(p)), bytes.fromhex(digest))


# compared against when the client id is unknown, so a miss costs the same time as a wrong secret
_DUMMY = _encode(secrets.token_urlsafe(32))


def verification_seconds() -> float:
    """How long one secret verification takes here (timed once), what a miss is made to take without the work."""
    started = time.perf_counter()
    secret_matches(secrets.token_urlsafe(32), _DUMMY)
    return time.perf_counter() - started


class ClientRegistry:
    def __init__(self, path: Path) -> None:
        self._path = path

    def register(self, agency: str, roles: Iterable[str], purposes: Iterable[str] = ()) -> tuple[str, str]:
        """A new client; returns (client_id, secret). The secret is shown once and never stored in clear."""
        client_id, secret = f"c-{secrets.token_hex(8)}", secrets.token_urlsafe(32)
        with self._locked():
            entries = self._read()
            entries[client_id] = {
                "agency": agency,
                "roles": sorted(set(roles)),
                "allowed_purposes": sorted(set(purposes)),
                "secret_hash": _encode(secret),
            }
            secret_file.replace(self._path, json.dumps({"clients": entries}, indent=2, sort_keys=True).encode())
        return client_id, secret

    def authenticate_client(self, client_id: str, secret: str) -> Client | None:
        """The client, if the secret is its own; an unknown id costs the same scrypt as a wrong secret."""
        found = self.lookup(client_id)
        if not secret_matches(secret, found[1] if found else _DUMMY) or found is None:
            return None
        return found[0]

    def lookup(self, client_id: str) -> tuple[Client, str] | None:
        """The registered client and its stored secret hash; None for an unknown id."""
        entry = self._read().get(client_id)
        if entry is None:
            return None
        client = Client(client_id, entry["agency"], tuple(entry["roles"]), tuple(entry["allowed_purposes"]))
        return client, str(entry["secret_hash"])

    def list(self) -> list[Client]:
        return [
            Client(cid, e["agency"], tuple(e["roles"]), tuple(e["allowed_purposes"])) for cid, e in self._read().items()
        ]

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return dict(data.get("clients", {}))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # serialise registrations from concurrent `hub clients add` runs (read-modify-write of one file)
        lock = self._path.with_name(self._path.name + ".lock")
        secret_file.create_once(lock, b"")
        with open(lock, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


__all__ = ["Client", "ClientRegistry", "clients_path", "secret_matches", "verification_seconds"]
