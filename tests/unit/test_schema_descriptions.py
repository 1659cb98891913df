"""Every type and field of the public schema says what it is: partners read the schema as the API's documentation."""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)
from strawberry.utils.str_converters import to_camel_case

from graph.dashboard import MEASURES
from hub.access.dashboard import REPEAT_LOOKBACK_MONTHS
from hub.api import build_schema

# what Apollo Federation adds to a subgraph: not ours to describe
FEDERATION = {"_Any", "_Entity", "_Service", "FieldSet", "_FieldSet", "link__Import", "link__Purpose"}
FEDERATION_FIELDS = {("Query", "_entities"), ("Query", "_service")}


def undescribed() -> list[str]:
    schema = build_schema()._schema
    missing = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in FEDERATION or name.startswith("federation__"):
            continue
        if not (kind.description or "").strip():
            missing.append(f"type {name}")
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if (name, field_name) in FEDERATION_FIELDS:
                    continue
                if not (field.description or "").strip():
                    missing.append(f"field {name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not (arg.description or "").strip():
                        missing.append(f"argument {name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not (value.description or "").strip():
                    missing.append(f"enum value {name}.{value_name}")
        if isinstance(kind, GraphQLUnionType) and not kind.description:
            missing.append(f"union {name}")
    return missing


def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    missing = undescribed()
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_the_dashboard_describes_each_count_as_the_measure_it_counts() -> None:
    """The types restate what ``graph.dashboard`` and ``hub.access.dashboard`` define (they import neither)."""
    dashboard: Any = build_schema()._schema.type_map["Dashboard"]
    for measure in MEASURES:
        assert dashboard.fields[to_camel_case(measure.name)].description == measure.description, measure.name
    assert f"in the {REPEAT_LOOKBACK_MONTHS} months" in dashboard.fields["repeatVictims"].description
