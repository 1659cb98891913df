"""Which audit trail to open: PostgreSQL for a ``postgresql://`` URL (``HUB_AUDIT_URL``), else the SQLite file.

The signing key lives in ``HUB_DATA_DIR/secrets/audit-signing.key`` whichever store holds the trail.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.postgres import SCHEMES, PostgresAuditLog
from hub.audit.signing import SigningKey
from hub.audit.sqlite import open_audit_log

if TYPE_CHECKING:
    from hub.settings import Settings


def sqlite_path(settings: Settings) -> Path:
    """The SQLite trail, used when ``HUB_AUDIT_URL`` is not set."""
    return settings.data_dir / "audit" / "audit.sqlite3"


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "secrets" / "audit-signing.key"


def open_trail(
    url_or_path: str | Path, key_path: Path, *, create: bool = True, checkpoint_every: int = 1000
) -> AuditLog:
    """The PostgreSQL trail at a ``postgresql://`` or ``postgres://`` URL, else the SQLite trail at that path.

    ``create=False`` (for verifying) opens only a trail and a key that exist: a fresh key would make every signature
    look forged, and a fresh trail would verify as intact.
    """
    is_url = isinstance(url_or_path, str) and url_or_path.startswith(SCHEMES)
    if not create:
        missing = [key_path] if is_url else [Path(url_or_path), key_path]
        absent = next((path for path in missing if not path.is_file()), None)
        if absent is not None:
            raise AuditUnavailable(f"{absent} does not exist")
    if is_url:
        key = SigningKey.load_or_create(key_path)
        return PostgresAuditLog(str(url_or_path), key, checkpoint_every=checkpoint_every, create=create)
    return open_audit_log(Path(url_or_path), key_path, checkpoint_every=checkpoint_every)


def open_settings_trail(settings: Settings, *, create: bool = True) -> AuditLog:
    """The trail the settings name: ``HUB_AUDIT_URL`` if set, else the SQLite file under the data directory."""
    return open_trail(settings.audit_url or sqlite_path(settings), key_path(settings), create=create)
