"""Which issuers the hub trusts: plain data, read from the JSON file named by ``HUB_AUTH_ISSUERS``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    jwks_uri: str | None = None
    jwks: Mapping[str, Any] | None = field(default=None, repr=False)  # a static key set, instead of a URI
    agency_claim: str = "hub_agency"
    roles_claim: str = "roles"

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ValueError("an issuer needs a non-empty 'issuer'")
        if (self.jwks_uri is None) == (self.jwks is None):
            raise ValueError(f"issuer {self.issuer!r} needs exactly one of 'jwks_uri' or 'jwks'")
        if self.jwks_uri is not None and not self.jwks_uri.startswith(("https://", "http://")):
            raise ValueError(f"issuer {self.issuer!r}: 'jwks_uri' must be an http(s) URL")


_FIELDS = {"issuer", "jwks_uri", "jwks", "agency_claim", "roles_claim"}


def load_issuers(path: Path) -> tuple[TrustedIssuer, ...]:
    """Parse ``[{"issuer": ..., "jwks_uri": ...}, ...]``; ValueError says what is wrong and where."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    if not isinstance(data, list) or not data:
        raise ValueError(f"{path} must hold a non-empty JSON list of issuers")
    issuers = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry {i} must be an object")
        unknown = set(entry) - _FIELDS
        if unknown:
            raise ValueError(f"{path}: entry {i} has unknown keys {sorted(unknown)}")
        try:
            issuers.append(TrustedIssuer(**entry))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: entry {i}: {exc}") from exc
    return tuple(issuers)
