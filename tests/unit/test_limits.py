"""How documents are measured against the limits, the limits' settings, and trusted document manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import get_introspection_query, graphql_sync, parse
from strawberry.http import GraphQLRequestData

from hub.api import build_schema
from hub.graphql_http import without_suggestions
from hub.schema.limits import Measure, measure
from hub.schema.trusted import TrustedDocuments, UntrustedDocument, sha256
from hub.settings import QueryLimits, Settings, SettingsError

SCHEMA = build_schema()._schema


def measured(document: str, variables: dict | None = None) -> Measure:
    return measure(SCHEMA, parse(document), None, variables)


def test_depth_counts_field_levels_but_not_introspection() -> None:
    assert measured("{ hub { version } }").depth == 2
    assert measured('{ person(id: "x") { records { agency } } }').depth == 3
    assert measured("{ __schema { types { fields { type { ofType { name } } } } } }").depth == 0


def full_introspection(copies: int = 1) -> str:
    """GraphiQL's schema query (every option on), its `__schema` selection asked for under `copies` aliases."""
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    if copies == 1:
        return query
    head, fragments = query.split("fragment FullType", 1)
    selection = head[head.index("__schema {") + len("__schema {") : head.rindex("}", 0, head.rindex("}"))]
    aliased = " ".join(f"s{i}: __schema {{ ...Schema }}" for i in range(copies))
    return f"query Copies {{ {aliased} }} fragment Schema on __Schema {{ {selection} }} fragment FullType{fragments}"


def test_introspection_counts_against_cost() -> None:
    limits = QueryLimits()
    one = measured(full_introspection())
    objects = _objects(graphql_sync(SCHEMA, full_introspection()).data)
    assert one.depth == 0 and objects < one.cost < limits.cost / 4  # about the objects returned, admitted
    fifty = measured(full_introspection(50))
    assert fifty.aliases == 50 > limits.aliases and fifty.cost > 40 * one.cost
    fifteen = measured(full_introspection(15))
    assert fifteen.aliases <= limits.aliases and fifteen.cost > limits.cost
    # the lists of the schema's description are as long as the schema makes them
    assert measured("{ __schema { types { name } } }").cost == 1 + len(SCHEMA.type_map)
    assert measured("{ a: __typename b: __typename }") == Measure(0, 2, 0)


def _objects(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(_objects(v) for v in value)
    return 0


def test_aliases_count_each_place_a_fragment_is_spread() -> None:
    document = "{ a: hub { ...F } b: hub { ...F } } fragment F on HubInfo { v: version }"
    assert measured(document).aliases == 4


def test_cost_multiplies_lists_by_their_page_or_a_default() -> None:
    assert measured("{ hub { version } }").cost == 1  # one object; scalars are free
    assert measured("{ auditEvents(first: 7) { events { subject } } }").cost == 1 + 7
    assert measured("query Q($n: Int!) { auditEvents(first: $n) { events { subject } } }", {"n": 3}).cost == 4
    assert measured("{ auditEvents { events { subject } } }").cost == 1 + 100  # the argument's default
    assert measured('{ person(id: "x") { records { agency } } }').cost == 1 + 10  # an unpaged list
    # a connection: its edges take its page, 20 when none is asked for; each edge holds one node
    assert measured("{ people(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }").cost == 1 + 5 * 2 + 1
    assert measured("{ people { edges { node { id } } } }").cost == 1 + 20 * 2


def test_entities_cost_follows_the_representations_sent() -> None:
    document = "query E($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id } } }"
    assert measured(document, {"r": [{"__typename": "Person", "id": str(i)} for i in range(40)]}).cost == 40


def test_fragment_fan_out_is_measured_without_walking_every_copy() -> None:
    # each fragment spreads the next ten times: 10**8 aliased copies of `version`, measured in a few steps
    chain = " ".join(f"fragment F{i} on HubInfo {{ {' '.join([f'...F{i + 1}'] * 10)} }}" for i in range(8))
    assert measured("{ hub { ...F0 } } " + chain + " fragment F8 on HubInfo { v: version }").aliases == 10**8


def test_limits_come_from_the_environment_and_refuse_nonsense() -> None:
    settings = Settings.from_env({"HUB_MAX_DEPTH": "5", "HUB_MAX_COST": "900", "HUB_MODE": "production"})
    assert settings.limits == QueryLimits(depth=5, cost=900) and settings.production
    assert not Settings.from_env({}).production and Settings.from_env({}).limits == QueryLimits()
    for env in (
        {"HUB_MAX_ALIASES": "-1"},
        {"HUB_MAX_TOKENS": "lots"},
        {"HUB_MODE": "prod"},
        {"HUB_TRUSTED_CLIENTS": "c1"},
    ):
        with pytest.raises(SettingsError, match=next(iter(env))):
            Settings.from_env(env)


def test_trusted_documents_resolve_a_hash_and_refuse_free_form(tmp_path: Path) -> None:
    listed = "query Hub { hub { version } }"
    manifest = tmp_path / "manifest.json"
    operations = [{"id": sha256(listed), "name": "Hub", "type": "query", "body": listed}]
    manifest.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations})
    )
    trusted = TrustedDocuments.load(manifest, frozenset({"partner"}))

    def request(query: str | None, hash_: str | None = None) -> GraphQLRequestData:
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": hash_}} if hash_ else None
        return GraphQLRequestData(query=query, variables=None, operation_name=None, extensions=extensions)

    assert trusted.resolve(request(None, sha256(listed)), "partner").query == listed
    assert trusted.resolve(request(listed), "partner").query == listed
    assert trusted.resolve(request("{ hub { version } }"), "someone-else").query == "{ hub { version } }"
    for data, code in (
        (request("{ hub { version } }"), "TRUSTED_DOCUMENT_REQUIRED"),
        (request(None, "0" * 64), "PERSISTED_QUERY_NOT_FOUND"),
        (request("{ hub { version } }", sha256(listed)), "PERSISTED_QUERY_NOT_FOUND"),
    ):
        with pytest.raises(UntrustedDocument) as refused:
            trusted.resolve(data, "partner")
        assert refused.value.code == code
    manifest.write_text(json.dumps({"0" * 64: listed}))  # an id that is not the body's hash
    with pytest.raises(SettingsError, match="sha256"):
        TrustedDocuments.load(manifest)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        (
            "Cannot query field 'peple' on type 'Query'. Did you mean 'people'?",
            "Cannot query field 'peple' on type 'Query'.",
        ),
        (
            "Value 'X' does not exist in 'IncidentOrder' enum. Did you mean the enum value 'OCCURRED_AT_DESC' or"
            " 'OCCURRED_AT_ASC'?",
            "Value 'X' does not exist in 'IncidentOrder' enum.",
        ),
        (
            "Variable '$f' got invalid value {'familyNam': 'x'}; Field 'familyNam' is not defined by type"
            " 'PeopleFilter'. Did you mean 'familyName'?",
            "Variable '$f' got invalid value {'familyNam': 'x'}; Field 'familyNam' is not defined by type"
            " 'PeopleFilter'.",
        ),
        (
            "Fragment cannot be spread here. Did you mean to use an inline fragment on 'Person'?",
            "Fragment cannot be spread here.",
        ),
        ("Syntax Error: Expected Name, found <EOF>.", "Syntax Error: Expected Name, found <EOF>."),
    ],
)
def test_suggestions_are_cut_from_messages(message: str, kept: str) -> None:
    assert without_suggestions(message) == kept
