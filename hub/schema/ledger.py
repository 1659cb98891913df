"""What the response actually disclosed, noted field by field as it is resolved, for the request's audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension

from hub.policy.catalogue import FIELDS
from hub.schema.identity import IdentityLink
from hub.schema.records import PersonLink, Record


class DisclosureLedger(SchemaExtension):
    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        if isinstance(root, Record) and root.entity and result is not None and result != []:
            access = info.context["access"]
            name = _python_name(info)
            if name == "id" and root.entity == "incident":
                name = "local_id"  # an incident's id is its agency and local id
            if f"{root.entity}.{name}" in FIELDS:
                access.disclosed(root.entity, name, root.subject)
            elif name == "people" and isinstance(result, list):
                for link in result:
                    if isinstance(link, PersonLink):
                        access.disclosed(root.entity, link.field, root.subject)
                        access.saw(str(link.person_id))
        elif isinstance(root, IdentityLink) and result is not None and result != []:
            _identity_link(info.context["access"], root, _python_name(info))
        return result


def _identity_link(access: Any, link: IdentityLink, name: str) -> None:
    """An identity link discloses the local ids of its two records, and what each comparison shown is computed
    from."""
    keys: tuple[str, ...] = ()
    if name in ("record", "linked_with"):
        keys = ("person.local_id",)
    elif name == "comparisons":
        keys = tuple(key for c in link.comparisons for key in c.fields)
    elif name == "rule":
        keys = link.rule_fields
    for key in keys:
        entity, field = key.split(".", 1)
        access.disclosed(entity, field, link.subject)


def _python_name(info: GraphQLResolveInfo) -> str:
    field = info.parent_type.fields.get(info.field_name)  # absent for __typename
    definition = field.extensions.get("strawberry-definition") if field else None
    return getattr(definition, "python_name", None) or info.field_name
