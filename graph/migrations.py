"""Constraints and indexes, applied at every start before anything is written.

Every statement is idempotent (``IF NOT EXISTS``), so running them again is a no-op. They must run
before data arrives: ArcadeDB fixes a property's type when an index is created over existing values.
"""

from __future__ import annotations

from graph.model import AGENCY, RECORD_LABELS, RESOLVED_PERSON, SUBMISSION, VERSION
from graph.store import Graph


def _name(label: str, prop: str) -> str:
    return f"{label.lower()}_{prop}"


def statements() -> list[str]:
    out: list[str] = []
    for label in RECORD_LABELS:
        out.append(f"CREATE CONSTRAINT {_name(label, 'key')} IF NOT EXISTS FOR (n:{label}) REQUIRE n.key IS UNIQUE")
        out.append(f"CREATE INDEX {_name(label, 'agency')} IF NOT EXISTS FOR (n:{label}) ON (n.agency)")
    # AlertAck holds acknowledgements from before they belonged to a purpose: kept, never shown
    unique = [(AGENCY, "code"), (SUBMISSION, "id"), (RESOLVED_PERSON, "person_id"), ("AlertAck", "alert_id")]
    unique.append(("AlertAcknowledgement", "key"))
    unique.append(("Investigation", "id"))  # saved views (graph/investigations.py), read by their owner
    for label, prop in unique:
        out.append(f"CREATE CONSTRAINT {_name(label, prop)} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE")
    for label, prop in (
        (VERSION, "key"),
        ("PersonRecord", "nhs_number"),
        ("PersonRecord", "pnc_id"),
        ("PersonRecord", "probation_crn"),
        ("PersonRecord", "family_name"),
        ("Incident", "occurred_at"),
        ("AlertAcknowledgement", "alert_id"),
        ("Investigation", "owner"),
    ):
        out.append(f"CREATE INDEX {_name(label, prop)} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})")
    return out


def migrate(graph: Graph) -> None:
    for statement in statements():
        graph.write(statement)
