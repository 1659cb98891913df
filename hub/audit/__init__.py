"""The tamper-evident audit trail: every access decision, hash-chained, signed at checkpoints, append-only.

Callers append before they disclose: if ``append`` raises ``AuditUnavailable`` the request is refused.
"""

from hub.audit.chain import Verification
from hub.audit.events import AuditEvent
from hub.audit.port import AuditLog, AuditUnavailable
from hub.audit.sqlite import SqliteAuditLog, open_audit_log
from hub.audit.writer import AuditWriter

__all__ = [
    "AuditEvent",
    "AuditLog",
    "AuditUnavailable",
    "AuditWriter",
    "SqliteAuditLog",
    "Verification",
    "open_audit_log",
]
