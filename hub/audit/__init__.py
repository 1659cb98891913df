"""The tamper-evident audit trail: every access decision, hash-chained, signed at checkpoints, append-only, and a
Merkle tree (RFC 6962) whose signed tree heads are published outside the hub.

Callers append before they disclose: if ``append`` raises ``AuditUnavailable`` the request is refused. The trail is a
SQLite file by default (``SqliteAuditLog``) or a PostgreSQL database in production (``PostgresAuditLog``);
``open_settings_trail`` opens the one the settings name, publishing its heads to ``HUB_AUDIT_WITNESS`` if set.
``TreeHead`` is a signed tree head; ``hub.audit.reports`` builds and checks self-proving subject access reports.
"""

from hub.audit.chain import Verification
from hub.audit.config import open_settings_trail, open_trail
from hub.audit.events import AuditEvent
from hub.audit.heads import TreeHead
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.postgres import PostgresAuditLog
from hub.audit.sqlite import SqliteAuditLog, open_audit_log
from hub.audit.writer import AuditWriter

__all__ = [
    "AuditEvent",
    "AuditLog",
    "AuditUnavailable",
    "AuditWriter",
    "PostgresAuditLog",
    "SqliteAuditLog",
    "TreeHead",
    "Verification",
    "open_audit_log",
    "open_settings_trail",
    "open_trail",
]
