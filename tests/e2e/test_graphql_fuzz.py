"""Fuzzing the GraphQL endpoint of a real ``hub serve``: hypothesis-graphql generates queries and mutations from the
live schema (valid ones, and ones with wrongly typed arguments), argument values are now and then swapped for values
that hit real data, and every kind of caller sends them. Whatever arrives, the hub answers with a status it documents
(never 500), every error carries a documented ``extensions.code`` and nothing of its internals, and nothing personal
reaches a caller whose grant forbids it (the same in-process policy check as ``test_policy_properties``).

Derandomized, so CI runs the same examples every time; the counts keep the whole file to about half a minute.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import graphql
import httpx
import hypothesis_graphql as hg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

import hub.schema.errors
from hub.auth.issuer import EmbeddedIssuer, signing_key_path
from hub.policy import Asker, Decider, Grant, load_agreements
from hub.policy.catalogue import FIELDS
from tests.e2e.test_policy_properties import CALLERS, RECORD_FIELDS, ROLE_FIELD, snake
from tests.e2e.trust_data import NHS, POLICE, PROBATION, SCHOOLS, Household
from tests.helpers import REPO
from tests.strategies import any_record

HOUSING = "thirteen-housing"  # submits fuzzed records: no other test reads its data
CODES = frozenset(re.findall(r"^ {4}([A-Z_]+) {2,}", hub.schema.errors.__doc__ or "", re.M))
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|neo4j|Neo\.|cedar|strawberry|graphql\.error|"
    + "|".join(n for n in dir(builtins) if n.endswith(("Error", "Exception")) and n != "Exception")
)
SETTINGS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
# (agency, role, purpose, justification); None: no token at all; "bad": a token the hub did not sign
Who = tuple[str, str, str | None, str | None] | str | None
READERS: list[Who] = [
    None,
    "bad",
    *CALLERS,
    (POLICE, "matac-analyst", None, None),  # no purpose
    (POLICE, "matac-analyst", "matac-tasking", "WRONG-1"),  # a justification the agreement does not accept
    (NHS, "marac-coordinator", "marac", None),  # no justification where one is required
]
WRITERS: list[Who] = [None, (HOUSING, "submitter", None, None), (POLICE, "matac-analyst", "matac-tasking", "MATAC-3")]


def test_the_documented_codes_are_read():
    assert {"FORBIDDEN", "BAD_REQUEST", "GRAPHQL_INVALID", "INTERNAL"} <= CODES


@pytest.fixture(scope="module")
def schema(server: str) -> graphql.GraphQLSchema:
    """The schema the server serves, by introspection; the schema it is built from when introspection is off."""
    body = httpx.post(f"{server}/graphql", json={"query": graphql.get_introspection_query()}, timeout=60).json()
    if body.get("data"):
        return graphql.build_client_schema(body["data"])
    from hub.api import build_schema

    return build_schema()._schema


@pytest.fixture(scope="module")
def headers(server: str, data_dir: Path) -> dict[Who, dict[str, str]]:
    issuer = EmbeddedIssuer(signing_key_path(data_dir))  # the key `hub serve` made: tokens without a subprocess each
    out: dict[Who, dict[str, str]] = {None: {}, "bad": {"authorization": "Bearer e30.e30.c2ln"}}
    for who in [*READERS, *WRITERS]:
        if isinstance(who, tuple):
            agency, role, purpose, justification = who
            h = {"authorization": f"Bearer {issuer.issue('fuzz', agency, [role])}"}
            h.update({"x-purpose": purpose} if purpose else {})
            h.update({"x-justification": justification} if justification else {})
            out[who] = h
    return out


@pytest.fixture(scope="module")
def decider() -> Decider:
    return Decider(load_agreements(REPO / "agreements"))


def _node(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal (the JSON scalar's input)."""
    if isinstance(value, dict):  # a GraphQL object literal's keys are names: other keys are made into names
        names = [f"{_name(k)}_{i}" if _name(k) != k else k for i, k in enumerate(value)]  # distinct, as they must be
        return nodes.Object(
            [
                graphql.ObjectFieldNode(name=graphql.NameNode(value=n), value=_node(v))
                for n, v in zip(names, value.values(), strict=True)
            ]
        )
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_node(v) for v in value))
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    return nodes.String(value)


def _name(key: str) -> str:
    name = re.sub(r"[^_0-9A-Za-z]", "_", key)
    return name if re.match(r"[_A-Za-z]", name) else f"_{name}"


_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_names, inner, max_size=3),
    max_leaves=8,
)
_records = st.one_of(
    any_record.map(lambda r: {**r, "agency": HOUSING, "local_id": f"FZ-{r['local_id']}"}),  # valid, or nearly
    any_record,  # another agency's
    _json,
)


def scalars(schema: graphql.GraphQLSchema, household: Household) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Values for every custom scalar the schema has: known ones well formed or not, unknown ones anything."""
    anything = _json.map(_node)
    known = {
        "JSON": st.one_of(_records, _json).map(_node),
        "DateTime": st.one_of(
            st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat), st.text(max_size=12)
        ).map(nodes.String),
        "Date": st.one_of(st.dates().map(dt.date.isoformat), st.text(max_size=12)).map(nodes.String),
        "_Any": st.integers(0, 29)
        .flatmap(lambda n: _json if n == 13 else representations(schema, household))
        .map(_node),
    }
    builtin = {"ID", "String", "Int", "Float", "Boolean"}
    return {
        name: known.get(name, anything)
        for name, t in schema.type_map.items()
        if isinstance(t, graphql.GraphQLScalarType) and name not in builtin
    }


def representations(schema: graphql.GraphQLSchema, household: Household) -> st.SearchStrategy[dict[str, Any]]:
    """Federation representations of the schema's entities (the `_Entity` union), keyed by `id` or their ID field."""
    union = schema.type_map.get("_Entity")
    if not isinstance(union, graphql.GraphQLUnionType):
        return st.nothing()

    def key(t: graphql.GraphQLObjectType) -> str:
        ids = [n for n, f in t.fields.items() if graphql.get_named_type(f.type).name == "ID"]
        return "id" if "id" in t.fields else ids[0] if ids else "id"

    values = st.one_of(st.sampled_from(pool(household)), st.text(max_size=12))
    return st.one_of([st.fixed_dictionaries({"__typename": st.just(t.name), key(t): values}) for t in union.types])


def pool(household: Household) -> list[str]:
    """Argument values worth trying besides random text: the household's people and records, agencies, types."""
    return [
        *household.ids.values(),
        *household.local.values(),
        POLICE,
        NHS,
        SCHOOLS,
        PROBATION,
        HOUSING,
        "person",
        "incident",
        "category",
        "occurred_at",
        "",
        "0",
    ]


def seeded(doc: graphql.DocumentNode, draw: st.DrawFn, values: list[str]) -> graphql.DocumentNode:
    """Now and then swap a generated string argument for one that hits real data."""

    class Swap(graphql.Visitor):
        def enter_string_value(self, node: graphql.StringValueNode, *_: Any) -> Any:
            if draw(st.integers(0, 2)) == 0:
                return graphql.StringValueNode(value=draw(st.sampled_from(values)))
            return None

    return graphql.visit(doc, Swap())


def with_provenance(schema: graphql.GraphQLSchema, doc: graphql.DocumentNode) -> graphql.DocumentNode:
    """Ask ``__typename`` everywhere, and ``agency`` of every record, so the response can be checked by the policy."""
    info = graphql.TypeInfo(schema)

    class Add(graphql.Visitor):
        def leave_selection_set(self, node: graphql.SelectionSetNode, *_: Any) -> Any:
            parent = info.get_parent_type()
            extra = ["__typename"]
            if getattr(parent, "name", None) in RECORD_FIELDS:
                extra.append("agency")
            have = {s.name.value for s in node.selections if isinstance(s, graphql.FieldNode) and s.alias is None}
            added = [graphql.FieldNode(name=graphql.NameNode(value=n)) for n in extra if n not in have]
            return graphql.SelectionSetNode(selections=(*node.selections, *added))

    return graphql.visit(doc, graphql.TypeInfoVisitor(info, Add()))


def check_response(response: httpx.Response, sent: str) -> dict[str, Any] | None:
    """A documented status and codes, no internals; the body when it is a GraphQL response."""
    assert response.status_code in (200, 400, 401, 403, 503), (response.status_code, response.text[:500])
    text = response.text
    leaked = {m.group(0) for m in INTERNALS.finditer(text)} - {m.group(0) for m in INTERNALS.finditer(sent)}
    assert not leaked, f"internals in the response: {leaked}: {text[:500]}"
    body = response.json()
    if response.status_code == 401:
        assert body == {"error": "invalid_token"}
        return None
    errors = body.get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES and code != "INTERNAL", error  # INTERNAL: an unexpected error, logged by the server
    if response.status_code == 503:
        assert errors and {e["extensions"]["code"] for e in errors} == {"AUDIT_UNAVAILABLE"}
    if response.status_code != 200:
        assert errors, "a refusal says why"
    return dict(body)


def grant_for(decider: Decider, who: Who) -> Grant | None:
    if not isinstance(who, tuple):
        return None
    agency, role, purpose, justification = who
    return decider.grant(Asker("fuzz", agency, frozenset({role})), purpose, justification, dt.date.today())


def canaries(household: Household, *, ids: bool) -> list[str]:
    """What the household's records hold that only a person-level grant may see (see ``trust_data``); and its people's
    ids, except for auditors, whose trail names the people whose data was disclosed, by id and nothing else."""
    values = ["Testcase", "1985-03-02", "1990-06-15", "2016-04-01", "2012-01-01", "TS18 1AA", "1 Example Row",
              "99/0000001X", household.tag]  # fmt: skip
    return values + (list(household.ids.values()) if ids else [])


def check_disclosure(value: Any, grant: Grant) -> None:
    """Every record in the response comes from a source, and shows only the catalogue fields, the grant allows."""
    if isinstance(value, list):
        for inner in value:
            check_disclosure(inner, grant)
        return
    if not isinstance(value, dict):
        return
    if value.get("__typename") in RECORD_FIELDS and "agency" in value:
        entity, source = RECORD_FIELDS[value["__typename"]][0], value["agency"]
        assert source in grant.sources(entity), f"{entity} from {source} must not flow"
        for key, inner in value.items():
            if inner in (None, []):
                continue
            if key == "people":
                for link in inner:
                    named = ROLE_FIELD.get(link.get("role", "")) or link.get("field")
                    assert named is None or grant.may_see(entity, named, source), f"{entity}.{named} leaked"
            elif f"{entity}.{snake(key)}" in FIELDS:
                assert snake(key) in grant.fields(entity, source), f"{entity}.{snake(key)} from {source} leaked"
    for inner in value.values():
        check_disclosure(inner, grant)


def send(server: str, headers: dict[str, str], query: str) -> httpx.Response:
    return httpx.post(f"{server}/graphql", json={"query": query}, headers=headers, timeout=60)


def run(
    data: st.DataObject,
    operations: st.SearchStrategy[graphql.DocumentNode],
    callers: list[Who],
    ctx: tuple[str, dict[Who, dict[str, str]], Decider, Household, graphql.GraphQLSchema],
    *,
    values: list[str],
) -> None:
    server, headers, decider, household, schema = ctx
    who = data.draw(st.sampled_from(callers), label="caller")
    doc = data.draw(operations, label="operation")
    doc = seeded(doc, data.draw, values)
    query = graphql.print_ast(with_provenance(schema, doc))
    response = send(server, headers[who], query)
    body = check_response(response, query)
    codes = sorted({e["extensions"]["code"] for e in (body or {}).get("errors") or []})
    event(f"HTTP {response.status_code} {' '.join(codes) or 'no error'}")  # --hypothesis-show-statistics
    grant = grant_for(decider, who)
    if body is None or not body.get("data"):
        return
    event("data with a person" if "HP-" in json.dumps(body["data"]) else "data")
    if grant is None or not grant.records:
        text = json.dumps(body["data"])
        shown = [c for c in canaries(household, ids=not (grant and grant.audit)) if c in text and c not in query]
        assert not shown, f"personal data for a caller without a person-level grant: {shown}"
    else:
        check_disclosure(body["data"], grant)


@pytest.fixture(scope="module")
def ctx(server: str, headers: Any, decider: Decider, household: Household, schema: graphql.GraphQLSchema) -> Any:
    return server, headers, decider, household, schema


@pytest.fixture(scope="module")
def strategies(ctx: Any) -> dict[str, st.SearchStrategy[graphql.DocumentNode]]:
    *_, household, schema = ctx
    custom = scalars(schema, household)

    def make(kind: Any, mode: hg.Mode) -> st.SearchStrategy[graphql.DocumentNode]:
        return kind(schema, custom_scalars=custom, print_ast=lambda d: d, mode=mode)

    # three valid documents to one with wrongly typed or missing arguments
    return {
        kind.__name__: st.integers(0, 3).flatmap(
            lambda n, kind=kind: make(kind, hg.Mode.NEGATIVE if n == 2 else hg.Mode.POSITIVE)
        )
        for kind in (hg.queries, hg.mutations)
    }


@settings(SETTINGS, max_examples=100)
@given(data=st.data())
def test_generated_queries(data: st.DataObject, ctx: Any, strategies: Any) -> None:
    run(data, strategies["queries"], READERS, ctx, values=pool(ctx[3]))


@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_generated_mutations(data: st.DataObject, ctx: Any, strategies: Any, submission: str) -> None:
    # never the household's values: a fuzzed identity decision or acknowledgement must not touch what other tests read
    run(data, strategies["mutations"], WRITERS, ctx, values=[submission, HOUSING, "FZ-a", "person"])


@pytest.fixture(scope="module")
def submission(ctx: Any) -> str:
    """An open submission of the fuzzing submitter's, for generated batches to land in."""
    server, headers, *_ = ctx
    body = send(server, headers[HOUSING, "submitter", None, None], "mutation { openSubmission { id } }").json()
    return str(body["data"]["openSubmission"]["id"])


_bodies = st.one_of(
    _json.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
    st.fixed_dictionaries({"query": st.text(max_size=40)}, optional={"variables": _json, "operationName": _json}).map(
        lambda v: json.dumps(v).encode()
    ),
    st.sampled_from(
        [
            b'{"query": "query Q($i: ID!) { person(id: $i) { id } }", "variables": {"i": "\\ud800"}}',
            b'{"query": "{ hub { name } }", "operationName": "\\udfff\\u0000"}',
            b'{"query": "mutation { openSubmission { id } }", "variables": []}',
            b'{"query": "{ __typename }", "extensions": "x"}',
            b"[]",
            b"",
        ]
    ),
)


@settings(SETTINGS, max_examples=30)
@given(who=st.sampled_from([None, "bad", (HOUSING, "submitter", None, None)]), body=_bodies, ctype=st.booleans())
def test_malformed_requests(ctx: Any, who: Who, body: bytes, ctype: bool) -> None:
    server, headers, *_ = ctx
    content_type = {"content-type": "application/json" if ctype else "text/plain"}
    response = httpx.post(f"{server}/graphql", content=body, headers={**headers[who], **content_type}, timeout=60)
    check_response(response, body.decode("utf-8", "replace"))
