"""Which audit trail to open: PostgreSQL for a ``postgresql://`` URL (``HUB_AUDIT_URL``), else the SQLite file.

The signing key is ``HUB_AUDIT_SIGNING_KEY`` (by default ``HUB_DATA_DIR/secrets/audit-signing.key``) whichever store
holds the trail; with ``HUB_AUDIT_WITNESS`` set, a trail opened for writing publishes every signed tree head there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.postgres import SCHEMES, PostgresAuditLog
from hub.audit.signing import SigningKey
from hub.audit.sqlite import open_audit_log
from hub.audit.witness import Publisher, witness_for

if TYPE_CHECKING:
    from hub.settings import Settings


def sqlite_path(settings: Settings) -> Path:
    """The SQLite trail, used when ``HUB_AUDIT_URL`` is not set."""
    return settings.data_dir / "audit" / "audit.sqlite3"


def key_path(settings: Settings) -> Path:
    return settings.audit_key_path


def open_trail(
    url_or_path: str | Path,
    key_path: Path,
    *,
    create: bool = True,
    checkpoint_every: int = 1000,
    publisher: Publisher | None = None,
) -> AuditLog:
    """The PostgreSQL trail at a ``postgresql://`` or ``postgres://`` URL, else the SQLite trail at that path.

    ``create=False`` (for verifying) opens only a trail and a key that exist: a fresh key would make every signature
    look forged, and a fresh trail would verify as intact. The log closes ``publisher`` when it closes.
    """
    is_url = isinstance(url_or_path, str) and url_or_path.startswith(SCHEMES)
    try:
        if not create:
            missing = [key_path] if is_url else [Path(url_or_path), key_path]
            absent = next((path for path in missing if not path.is_file()), None)
            if absent is not None:
                raise AuditUnavailable(f"{absent} does not exist")
        if is_url:
            key = SigningKey.load_or_create(key_path)
            return PostgresAuditLog(
                str(url_or_path), key, checkpoint_every=checkpoint_every, create=create, publisher=publisher
            )
        return open_audit_log(
            Path(url_or_path), key_path, checkpoint_every=checkpoint_every, create=create, publisher=publisher
        )
    except BaseException:
        if publisher is not None:
            publisher.close()
        raise


def open_settings_trail(settings: Settings, *, create: bool = True, publish: bool | None = None) -> AuditLog:
    """The trail the settings name: ``HUB_AUDIT_URL`` if set, else the SQLite file under the data directory.

    A trail that will be appended to (``publish``, by default ``create``) publishes its signed tree heads to
    ``HUB_AUDIT_WITNESS`` if that is set.
    """
    publish = create if publish is None else publish
    publisher = None
    if publish and settings.audit_witness:
        publisher = Publisher(witness_for(settings.audit_witness), interval=settings.audit_witness_interval)
    location = settings.audit_url or sqlite_path(settings)
    return open_trail(location, key_path(settings), create=create, publisher=publisher)
