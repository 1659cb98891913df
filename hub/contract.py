"""The schema contract: the SDL partners build against, checked in as ``schema.graphql`` and compared with the live one.

A difference is classified with graphql-core's own rules: breaking (a removed field or type, a changed type, a new
required argument: clients written against the contract fail), dangerous (a changed default, a new enum value: they
may behave differently), additive (new types, fields, arguments, enum values) and compatible (a type changed in a
way no client notices, such as an output made non-null); the last two are read off the breaking changes of the
reverse comparison. Anything else that differs is a description, deprecation or order change. Every kind is an
unreviewed change until ``hub schema check --write`` accepts it. It checks the assembled schema (``hub.api``), so it
sits beside the wiring, not among the types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graphql import GraphQLSchema, build_schema, find_breaking_changes, find_dangerous_changes

from hub.api import build_schema as build_hub_schema

_CHANGED = re.compile(r"^(.*) changed type from (.+) to (.+)\.$")

CONTRACT = Path(__file__).resolve().parents[1] / "schema.graphql"
ACCEPT = ".venv/bin/hub schema check --write"


def current_sdl() -> str:
    return build_hub_schema().as_str().rstrip() + "\n"


@dataclass(frozen=True)
class ContractDiff:
    breaking: tuple[str, ...] = ()
    dangerous: tuple[str, ...] = ()
    additive: tuple[str, ...] = ()
    compatible: tuple[str, ...] = ()
    changed: bool = False  # the text differs at all

    @property
    def kind(self) -> str:
        if not self.changed:
            return "equal"
        return "breaking" if self.breaking else "additive"

    def report(self, path: Path) -> str:
        if not self.changed:
            return f"{path.name} matches the live schema"
        sections = [
            ("BREAKING (clients written against the contract would fail)", self.breaking),
            ("dangerous (existing clients may behave differently)", self.dangerous),
            ("additive", self.additive),
            ("compatible type changes", self.compatible),
        ]
        lines = [f"{path.name} differs from the live schema:"]
        for title, changes in sections:
            if changes:
                lines += [f"{title}:", *(f"  - {change}" for change in changes)]
        if not (self.breaking or self.dangerous or self.additive or self.compatible):
            lines.append("descriptions, deprecations or order changed")
        lines.append(f"the whole difference: `.venv/bin/hub schema print | diff {path} -`")
        lines.append(f"unreviewed: review the change, then accept it with `{ACCEPT}`")
        return "\n".join(lines)


def _schema(sdl: str) -> GraphQLSchema:
    # the federation SDL uses @link and @key without defining them: build the types and skip SDL validation
    return build_schema(sdl, assume_valid_sdl=True)


def compare(contract_sdl: str, live_sdl: str) -> ContractDiff:
    if contract_sdl.strip() == live_sdl.strip():
        return ContractDiff()
    old, new = _schema(contract_sdl), _schema(live_sdl)
    breaking = tuple(c.description for c in find_breaking_changes(old, new))
    # what would break going back is what the live schema added, or changed compatibly
    reverse = [c for c in find_breaking_changes(new, old) if c.description not in breaking]
    additive = tuple(
        c.description.replace("was removed from", "was added to")
        .replace("was removed", "was added")
        .replace("no longer implements", "now implements")
        for c in reverse
        if "REMOVED" in c.type.name
    )
    swapped = (_CHANGED.match(c.description) for c in reverse if "REMOVED" not in c.type.name)
    return ContractDiff(
        breaking=breaking,
        dangerous=tuple(c.description for c in find_dangerous_changes(old, new)),
        additive=additive,
        compatible=tuple(f"{m[1]} changed type from {m[3]} to {m[2]}." for m in swapped if m),
        changed=True,
    )


def check(path: Path = CONTRACT) -> ContractDiff:
    """The live schema against the contract file; a missing file counts as a contract with no schema at all."""
    live = current_sdl()
    if not path.exists():
        return ContractDiff(additive=("the whole schema (no contract file yet)",), changed=True)
    return compare(path.read_text(encoding="utf-8"), live)
