"""Federation ``_entities``: representations are checked before Strawberry resolves them.

Strawberry's resolver fails with an unexpected error (INTERNAL to the client) on a representation that is not an
object, has no ``__typename``, names a type that is not an entity, or lacks or adds key fields: the fuzz test found
all four. The hub refuses such a request as BAD_REQUEST, naming the entities and their keys. A well-formed
representation of something that does not exist, or that the caller may not see, still resolves to null.

Each entity's reference resolver is given to the schema (``references``, from ``hub.api``) rather than defined on its
type, so the types stay free of resolvers; an entity without one fails at start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import Info

from hub.exceptions import BadRequest

Reference = Callable[..., Any]  # (info, **key fields) -> the entity, None, or an awaitable of either


class HubSchema(strawberry.federation.Schema):
    def __init__(self, *, references: Mapping[str, Reference], **kwargs: Any) -> None:
        self.references = dict(references)
        super().__init__(**kwargs)
        if set(self._entity_keys) != set(self.references):
            raise ValueError(f"one reference resolver per entity: {sorted(self._entity_keys)}, {sorted(references)}")

    # the same signature as Strawberry's (it builds the `_entities` field from these annotations)
    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        keys = self._entity_keys
        for representation in representations:
            fields = set(representation) if isinstance(representation, dict) else set()
            typename = representation.get("__typename") if isinstance(representation, dict) else None
            if not isinstance(typename, str) or (fields - {"__typename"}) not in keys.get(typename, ()):
                accepted = "; ".join(f"{t} by {' or '.join(' '.join(sorted(k)) for k in ks)}" for t, ks in keys.items())
                raise BadRequest(f"each representation names an entity and its key fields, nothing else: {accepted}")
        return [self._resolve(info, dict(r)) for r in representations]  # type: ignore[call-overload]

    def _resolve(self, info: Info, representation: dict[str, Any]) -> Any:
        """One entity, or the exception that goes in its place (an error at its index, as Strawberry does)."""
        resolve = self.references[representation.pop("__typename")]
        try:
            return resolve(info, **representation)
        except Exception as exc:
            return exc

    @functools.cached_property
    def _entity_keys(self) -> dict[str, list[frozenset[str]]]:
        """Entity name -> the field sets of its ``@key``s (simple keys: the hub's are single fields)."""
        out: dict[str, list[frozenset[str]]] = {}
        for name, type_ in self.schema_converter.type_map.items():
            directives: Any = getattr(getattr(type_, "definition", None), "directives", None) or ()
            for directive in directives:
                if isinstance(directive, Key):
                    out.setdefault(name, []).append(frozenset(str(directive.fields).split()))
        return out
