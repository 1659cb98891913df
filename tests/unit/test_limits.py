"""How documents are measured against the limits, the limits' settings, and trusted document manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import parse
from strawberry.http import GraphQLRequestData

from hub.api import build_schema
from hub.schema.limits import Measure, measure
from hub.schema.trusted import TrustedDocuments, UntrustedDocument, sha256
from hub.settings import QueryLimits, Settings, SettingsError

SCHEMA = build_schema()._schema


def measured(document: str, variables: dict | None = None) -> Measure:
    return measure(SCHEMA, parse(document), None, variables)


def test_depth_counts_field_levels_and_ignores_introspection() -> None:
    assert measured("{ hub { version } }").depth == 2
    assert measured('{ person(id: "x") { records { agency } } }').depth == 3
    assert measured("{ __schema { types { fields { type { ofType { name } } } } } }") == Measure()


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
