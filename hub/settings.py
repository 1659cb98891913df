"""Settings, read once from the environment into a typed value and passed explicitly from there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph.store import GraphConfig
from hub.auth.trust import TrustedIssuer, load_issuers

_CHECKOUT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """The environment asks for something inconsistent; the message says what to set."""


def _base_dir() -> Path:
    # the checkout when run from one (editable install), else the working directory
    return _CHECKOUT if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd()


def _default_data_dir() -> Path:
    return _base_dir() / ".hub-data"


def _default_agreements_dir() -> Path:
    return _base_dir() / "agreements"


def _default_ui_dir() -> Path:
    return _base_dir() / "ui" / "dist"


@dataclass(frozen=True)
class QueryLimits:
    """Ceilings on one GraphQL document (HUB_MAX_*); ``hub/schema/limits.py`` says how each is counted."""

    depth: int = 12
    tokens: int = 2000
    aliases: int = 30
    cost: int = 50000

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> QueryLimits:
        values = {}
        for name in ("depth", "tokens", "aliases", "cost"):
            value = _positive(env, f"HUB_MAX_{name.upper()}")
            if value is not None:
                values[name] = value
        return cls(**values)


@dataclass(frozen=True)
class EdgeLimits:
    """What the HTTP edge accepts before any work is done for it (``hub/auth/``, ``hub/app.py``)."""

    body: int = 2 * 1024 * 1024  # HUB_MAX_BODY: bytes of a /graphql or /oauth/token body (a /submissions line)
    token_ttl: int = 3600  # HUB_MAX_TOKEN_TTL: seconds a bearer token may live, whatever its `exp`
    auth_failures: int = 10  # HUB_AUTH_FAILURES: failed client authentications a minute, per address and per id
    auth_concurrency: int = 2  # HUB_AUTH_CONCURRENCY: client secrets verified (scrypt) at once

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EdgeLimits:
        names = {
            "body": "HUB_MAX_BODY",
            "token_ttl": "HUB_MAX_TOKEN_TTL",
            "auth_failures": "HUB_AUTH_FAILURES",
            "auth_concurrency": "HUB_AUTH_CONCURRENCY",
        }
        values = {name: _positive(env, key) for name, key in names.items()}
        return cls(**{name: value for name, value in values.items() if value is not None})


def _positive(env: Mapping[str, str], key: str) -> int | None:
    text = env.get(key, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12 or int(text) < 1:
        raise SettingsError(f"{key} must be a positive whole number, not {text!r}")
    return int(text)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    agreements_dir: Path = field(default_factory=_default_agreements_dir)  # the agreement YAML files
    ui_dir: Path = field(default_factory=_default_ui_dir)  # HUB_UI_DIR: the analyst page's build (make ui)
    # NEO4J_URI: neo4j:// (a cluster, routed: reads to readers, writes to the leader), bolt:// (one server), +s for
    # TLS; None: the embedded ArcadeDB. NEO4J_DATABASE is named on every statement (graph.store)
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str = "neo4j"
    graph_heap: str = "2g"
    graph_retry_seconds: float = 15.0  # HUB_GRAPH_RETRY_SECONDS: how long a transaction is retried before a 503
    host: str = "127.0.0.1"
    port: int = 8000
    auth_audience: str = "hub"
    auth_issuers: tuple[TrustedIssuer, ...] = ()  # external identity providers (HUB_AUTH_ISSUERS)
    auth_embedded: bool = True  # trust the hub's own issuer (HUB_AUTH_EMBEDDED)
    # the PostgreSQL audit trail (HUB_AUDIT_URL, may hold a password); None: a SQLite file in the data directory
    audit_url: str | None = field(default=None, repr=False)
    audit_signing_key: Path | None = None  # HUB_AUDIT_SIGNING_KEY; None: HUB_DATA_DIR/secrets/audit-signing.key
    audit_witness: str | None = None  # HUB_AUDIT_WITNESS: a directory or an http(s) URL given signed tree heads
    audit_witness_interval: float = 1.0  # HUB_AUDIT_WITNESS_INTERVAL: seconds, at most one head published per
    limits: QueryLimits = field(default_factory=QueryLimits)
    edge: EdgeLimits = field(default_factory=EdgeLimits)  # HUB_MAX_BODY, HUB_MAX_TOKEN_TTL, HUB_AUTH_*
    production: bool = False  # HUB_MODE=production: no introspection, no GraphiQL
    trusted_documents: Path | None = None  # HUB_TRUSTED_DOCUMENTS: the persisted-query manifest partners must use
    trusted_clients: frozenset[str] = frozenset()  # HUB_TRUSTED_CLIENTS: only these clients must; empty: every caller

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        uri = env.get("NEO4J_URI") or None
        password = env.get("NEO4J_PASSWORD")
        if uri and not password:
            raise SettingsError(
                "NEO4J_URI is set but NEO4J_PASSWORD is not: set both, or neither for the embedded graph"
            )
        try:
            port = int(env.get("HUB_PORT", "8000"))
        except ValueError as exc:
            raise SettingsError(f"HUB_PORT must be a port number, not {env['HUB_PORT']!r}") from exc
        issuers: tuple[TrustedIssuer, ...] = ()
        if env.get("HUB_AUTH_ISSUERS"):
            try:
                issuers = load_issuers(Path(env["HUB_AUTH_ISSUERS"]))
            except ValueError as exc:
                raise SettingsError(f"HUB_AUTH_ISSUERS: {exc}") from exc
        embedded = env.get("HUB_AUTH_EMBEDDED", "true").strip().lower()
        if embedded not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError(f"HUB_AUTH_EMBEDDED must be true or false, not {env['HUB_AUTH_EMBEDDED']!r}")
        if embedded in ("false", "0", "no") and not issuers:
            raise SettingsError(
                "HUB_AUTH_EMBEDDED is false but HUB_AUTH_ISSUERS names no issuer: no token would verify"
            )
        audience = env.get("HUB_AUTH_AUDIENCE", "hub").strip()
        if not audience:
            raise SettingsError("HUB_AUTH_AUDIENCE must not be empty (default: hub)")
        agreements = env.get("HUB_AGREEMENTS_DIR")
        audit_url = env.get("HUB_AUDIT_URL", "").strip() or None
        if audit_url and not audit_url.startswith(("postgresql://", "postgres://")):
            raise SettingsError(  # the value is not echoed: it may hold a password
                "HUB_AUDIT_URL must be a PostgreSQL URL (postgresql://user@host/database),"
                " or unset for the SQLite audit trail in HUB_DATA_DIR"
            )
        data_dir = Path(env["HUB_DATA_DIR"]).resolve() if env.get("HUB_DATA_DIR") else _default_data_dir()
        signing_key = env.get("HUB_AUDIT_SIGNING_KEY", "").strip()
        witness = env.get("HUB_AUDIT_WITNESS", "").strip() or None
        if witness and "://" in witness and not witness.startswith(("http://", "https://")):
            raise SettingsError("HUB_AUDIT_WITNESS must be a directory or an http(s):// URL")
        if witness and "://" not in witness:
            witness = str(Path(witness).resolve())
            if Path(witness).is_relative_to(data_dir):
                raise SettingsError(
                    "HUB_AUDIT_WITNESS must be outside HUB_DATA_DIR: whoever can rewrite the trail could rewrite it too"
                )
        try:
            witness_interval = float(env.get("HUB_AUDIT_WITNESS_INTERVAL", "1"))
        except ValueError:
            witness_interval = -1.0
        if not 0 <= witness_interval <= 3600:
            raise SettingsError("HUB_AUDIT_WITNESS_INTERVAL must be a number of seconds from 0 to 3600 (default 1)")
        try:
            graph_retry = float(env.get("HUB_GRAPH_RETRY_SECONDS", "15"))
        except ValueError:
            graph_retry = -1.0
        if not 0 <= graph_retry <= 600:
            raise SettingsError("HUB_GRAPH_RETRY_SECONDS must be a number of seconds from 0 to 600 (default 15)")
        mode = env.get("HUB_MODE", "development").strip().lower()
        if mode not in ("development", "production"):
            raise SettingsError(f"HUB_MODE must be development or production, not {env['HUB_MODE']!r}")
        trusted = env.get("HUB_TRUSTED_DOCUMENTS", "").strip()
        clients = frozenset(c.strip() for c in env.get("HUB_TRUSTED_CLIENTS", "").split(",") if c.strip())
        if clients and not trusted:
            raise SettingsError("HUB_TRUSTED_CLIENTS is set but HUB_TRUSTED_DOCUMENTS is not: name the manifest too")
        return cls(
            data_dir=data_dir,
            agreements_dir=Path(agreements).resolve() if agreements else _default_agreements_dir(),
            ui_dir=Path(env["HUB_UI_DIR"]).resolve() if env.get("HUB_UI_DIR") else _default_ui_dir(),
            neo4j_uri=uri,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=password,
            neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
            graph_heap=env.get("HUB_GRAPH_HEAP", "2g"),
            graph_retry_seconds=graph_retry,
            host=env.get("HUB_HOST", "127.0.0.1"),
            port=port,
            auth_audience=audience,
            auth_issuers=issuers,
            auth_embedded=embedded in ("true", "1", "yes"),
            audit_url=audit_url,
            audit_signing_key=Path(signing_key).resolve() if signing_key else None,
            audit_witness=witness,
            audit_witness_interval=witness_interval,
            limits=QueryLimits.from_env(env),
            edge=EdgeLimits.from_env(env),
            production=mode == "production",
            trusted_documents=Path(trusted).resolve() if trusted else None,
            trusted_clients=clients,
        )

    @property
    def audit_key_path(self) -> Path:
        """The audit trail's Ed25519 signing key: HUB_AUDIT_SIGNING_KEY, else in the data directory's secrets."""
        return self.audit_signing_key or self.data_dir / "secrets" / "audit-signing.key"

    def audit_key_refusal(self) -> str | None:
        """Why ``hub serve`` must not start in production with this key, or None: a key inside the data directory
        lets whoever can rewrite the trail re-sign it."""
        if self.production and self.audit_key_path.resolve().is_relative_to(self.data_dir.resolve()):
            return (
                "HUB_AUDIT_SIGNING_KEY must name a key outside HUB_DATA_DIR in production "
                f"(it is {self.audit_key_path}): whoever can write the data directory could re-sign a rewritten trail"
            )
        return None

    def graph_config(self) -> GraphConfig:
        return GraphConfig(
            data_dir=self.data_dir,
            uri=self.neo4j_uri,
            user=self.neo4j_user,
            password=self.neo4j_password,
            database=self.neo4j_database,
            heap=self.graph_heap,
            max_retry_time=self.graph_retry_seconds,
        )
