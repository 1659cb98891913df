"""Documents generated from the live schema (introspection of the real server): every root query field and mutation,
random nested selections through objects, interfaces and unions, inline and named fragments, aliases, variables, and
``_entities`` representations; argument values drawn from the world (ids and record references of people the
caller may see and may not see, and made-up ones), and pairs of documents that differ only in one hidden-or-made-up
value, for the existence rule. Deterministic for a seed."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
)

from tests.leak.oracle import View, district
from tests.leak.world import AGENCIES, DAP, World

KINDS = ["right_to_know", "repeat_marac", "order_expiring", "operation_encompass"]
# fields the judge uses to tell what an object is: asked for most of the time
IDENTIFYING = {
    "__typename",
    "agency",
    "localId",
    "id",
    "personId",
    "code",
    "kind",
    "records",
    "people",
    "role",
    "field",
}


@dataclass
class Probe:
    caller: str
    query: str
    variables: dict[str, Any]
    root: str  # the root field (or mutation) it exercises
    anchors: set[str] = field(default_factory=set)  # person ids the document asks about
    pair: str | None = None  # existence pairs share this key
    echo: list[str] = field(default_factory=list)  # the value that differs within a pair
    hidden: bool = False  # in a pair: the real value the caller may not see (the other is made up)
    note: str | None = None  # acknowledgement note this probe writes
    meta: dict[str, Any] = field(default_factory=dict)


def introspect(base: str, headers: dict[str, str]) -> GraphQLSchema:
    import httpx

    body = httpx.post(f"{base}/graphql", json={"query": graphql.get_introspection_query()}, headers=headers, timeout=60)
    return graphql.build_client_schema(body.json()["data"])


def unwrap(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def made_up_person(rng: random.Random) -> str:
    return "HP-" + "".join(rng.choice("0123456789ABCDEF") for _ in range(12))


class Pools:
    """Argument values from the world, split by what one caller may and may not see."""

    def __init__(
        self,
        world: World,
        view: View,
        alert_ids: list[str],
        extra_strings: list[str],
        investigations: dict[str, tuple[str | None, str | None]] | None = None,
    ) -> None:
        self.world, self.view = world, view
        # investigation id -> (agency, purpose) it was saved by and under: the caller's own, and everyone else's
        saved = investigations or {}
        me = (view.caller.agency, view.caller.purpose)
        self.own_investigations = sorted(i for i, owner in saved.items() if owner == me)
        self.other_investigations = sorted(i for i, owner in saved.items() if owner != me)
        everyone = sorted(world.person_ids)
        self.visible = sorted(view.visible)
        self.hidden = sorted(set(everyone) - view.visible)
        s = world.scenario
        self.scenario = [s[k] for k in ("P", "V1", "V2", "V3", "C")]
        self.person_records = sorted(
            r.key for r in world.current() if r.type == "person" and world.person_of.get(r.key)
        )
        self.visible_records = [
            k for k in self.person_records if world.person_of[k] in view.visible and view.source_ok(k[0])
        ]
        self.hidden_records = [k for k in self.person_records if k not in set(self.visible_records)]
        self.incidents = sorted(r.key for r in world.current() if r.type == "incident")
        self.family_names = sorted(
            {
                str(r.fields["family_name"])
                for r in world.current()
                if r.type == "person" and r.fields.get("family_name")
            }
        )
        self.districts = sorted(
            {
                district(str(r.fields["postcode"]))
                for r in world.current()
                if r.type == "person" and r.fields.get("postcode")
            }
        )
        self.alert_ids = alert_ids
        self.strings = extra_strings

    def person(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.25:
            return rng.choice(self.scenario)
        if roll < 0.55 and self.visible:
            return rng.choice(self.visible)
        if roll < 0.9 and self.hidden:
            return rng.choice(self.hidden)
        return made_up_person(rng)

    def record(self, rng: random.Random) -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.4 and self.visible_records:
            return rng.choice(self.visible_records)
        if roll < 0.85 and self.hidden_records:
            return rng.choice(self.hidden_records)
        return (rng.choice([*AGENCIES, "made-up-agency"]), f"MADE-UP-{rng.randrange(10**6):06d}")

    def agency(self, rng: random.Random) -> str:
        return rng.choice([*AGENCIES, DAP, "made-up-agency"])


class Generator:
    def __init__(self, schema: GraphQLSchema, seed: int) -> None:
        self.schema, self.rng = schema, random.Random(seed)
        self.counter = 0

    # --- selections ---------------------------------------------------------------------------------------------

    def alias(self, name: str) -> str:
        self.counter += 1
        return f"al{self.counter}__{name}: " if self.rng.random() < 0.15 else ""

    def selection(self, t: Any, depth: int, fragments: dict[str, str]) -> str:
        t = unwrap(t)
        if isinstance(t, GraphQLScalarType | GraphQLEnumType):
            return ""
        if isinstance(t, GraphQLUnionType) or (isinstance(t, GraphQLInterfaceType) and self.rng.random() < 0.7):
            kinds = list(t.types) if isinstance(t, GraphQLUnionType) else list(self.schema.get_possible_types(t))
            parts = ["__typename"]
            for member in kinds:
                if self.rng.random() < 0.85:
                    parts.append(self.spread(member, depth, fragments))
            return "{ " + " ".join(parts) + " }"
        return "{ " + self.fields_of(t, depth, fragments) + " }"

    def spread(self, t: Any, depth: int, fragments: dict[str, str]) -> str:
        body = self.fields_of(t, depth, fragments)
        if self.rng.random() < 0.3:
            name = f"F{len(fragments) + 1}"
            fragments[name] = f"fragment {name} on {t.name} {{ {body} }}"
            return f"...{name}"
        return f"... on {t.name} {{ {body} }}"

    def fields_of(self, t: Any, depth: int, fragments: dict[str, str]) -> str:
        parts = ["__typename"]
        for name, f in t.fields.items():
            if name.startswith("__"):
                continue
            inner = unwrap(f.type)
            leaf = isinstance(inner, GraphQLScalarType | GraphQLEnumType)
            want = (
                1.0 if name in ("personId", "__typename") else 0.9 if name in IDENTIFYING else (0.6 if leaf else 0.45)
            )
            if depth <= 0 and not leaf:
                continue
            if self.rng.random() >= want:
                continue
            args = ""
            if f.args:
                given = {
                    a: self.value(arg.type, a, depth)
                    for a, arg in f.args.items()
                    if isinstance(arg.type, GraphQLNonNull)
                }
                if given:
                    args = "(" + ", ".join(f"{a}: {v}" for a, v in given.items()) + ")"
            sub = "" if leaf else self.selection(f.type, depth - 1, fragments)
            if not leaf and not sub:
                continue
            parts.append(f"{self.alias(name)}{name}{args} {sub}".strip())
        return " ".join(parts)

    # --- values -------------------------------------------------------------------------------------------------

    def value(self, t: Any, name: str, depth: int) -> str:
        """A literal for a nested field's required argument (none in today's schema; kept for new ones)."""
        inner = unwrap(t)
        if isinstance(inner, GraphQLEnumType):
            return self.rng.choice(list(inner.values))
        if isinstance(inner, GraphQLScalarType) and inner.name == "Int":
            return str(self.rng.choice([1, 2, 5]))
        return json.dumps("x")

    # --- documents ----------------------------------------------------------------------------------------------

    def document(
        self, op: str, root: str, args: dict[str, tuple[str, Any]], depth: int = 3
    ) -> tuple[str, dict[str, Any]]:
        """One operation on one root field; args: name -> (GraphQL type for the variable, value)."""
        parent = self.schema.mutation_type if op == "mutation" else self.schema.query_type
        assert parent is not None
        f = parent.fields[root]
        fragments: dict[str, str] = {}
        sub = self.selection(f.type, depth, fragments)
        decl = ", ".join(f"${a}: {vt}" for a, (vt, _) in args.items())
        call = ", ".join(f"{a}: ${a}" for a in args)
        alias = self.alias(root) if root not in ("_entities",) else ""
        text = (
            f"{op} Leak{'(' + decl + ')' if decl else ''} {{ {alias}{root}{'(' + call + ')' if call else ''} {sub} }}"
        )
        text = " ".join([text, *fragments.values()])
        return text, {a: v for a, (_, v) in args.items()}

    def arg_type(self, op: str, root: str, name: str) -> str:
        parent = self.schema.mutation_type if op == "mutation" else self.schema.query_type
        assert parent is not None
        return str(parent.fields[root].args[name].type)


def forged_cursor(kind: str, key: str) -> str:
    return base64.b64encode(f"hub1:{json.dumps([kind, key], separators=(',', ':'))}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8", "replace")
    except Exception:
        return cursor


def plan(gen: Generator, pools: Pools, view: View, n: int) -> Iterator[Probe]:
    """``n`` probes for one caller, over every root query field and mutation of the schema, in turn."""
    rng = gen.rng
    query_roots = sorted(gen.schema.query_type.fields) if gen.schema.query_type else []
    mutation_roots = sorted(gen.schema.mutation_type.fields) if gen.schema.mutation_type else []
    roots = [("query", r) for r in query_roots if r != "_service"] + [("mutation", r) for r in mutation_roots]
    made = 0
    while made < n:
        rng.shuffle(roots)
        for op, root in roots:
            if made >= n:
                return
            for probe in probes_for(gen, pools, view, op, root):
                made += 1
                yield probe


def probes_for(gen: Generator, pools: Pools, view: View, op: str, root: str) -> list[Probe]:
    rng, c = gen.rng, view.caller.name
    t = lambda name: gen.arg_type(op, root, name)  # noqa: E731

    def one(args: dict[str, Any], anchors: set[str] | None = None, **meta: Any) -> Probe:
        text, variables = gen.document(
            op, root, {k: (t(k), v) for k, v in args.items()}, depth=rng.choice([2, 3, 3, 4])
        )
        return Probe(c, text, variables, root, anchors or set(), meta=meta)

    def pair(build: Any, hidden_value: Any, made_value: Any, echo: list[str], anchors: Any = None) -> list[Probe]:
        """Two documents, identical but for one value: hidden (real, the caller may not see it) and made up."""
        first = build(hidden_value)
        if view.refused or hidden_value == view.caller.agency:
            return [first]  # a refused caller's answers are judged by the refusal rule
        text = json.dumps(first.variables).replace(json.dumps(echo[0])[1:-1], json.dumps(echo[1])[1:-1])
        second = Probe(c, first.query, json.loads(text), root, {echo[1]} if first.anchors else set(), meta=first.meta)
        key = f"{c}:{root}:{len(first.query)}:{echo[0]}:{rng.randrange(10**9)}"
        first.pair = second.pair = key
        first.hidden, first.echo, second.echo = True, echo[0:1], echo[1:2]
        return [first, second]

    if root == "person":
        out = [one({"id": (pid := pools.person(rng))}, {pid})]
        if pools.hidden:
            h = rng.choice(pools.hidden)
            m = made_up_person(rng)
            out += pair(lambda v: one({"id": v}, {v}), h, m, [h, m])
        return out
    if root == "personByRecord":
        agency, local = pools.record(rng)
        out = [one({"agency": agency, "localId": local}, {pools.world.person_of.get((agency, local), "")})]
        if pools.hidden_records:
            ha, hl = rng.choice(pools.hidden_records)
            fake = f"{hl[:-3]}X{rng.randrange(100):02d}" if len(hl) > 3 else f"{hl}X"
            out += pair(lambda v: one({"agency": ha, "localId": v}), hl, fake, [hl, fake])
        return out
    if root in ("network", "timeline"):
        args: dict[str, Any] = {"personId": (pid := pools.person(rng))}
        if root == "network":
            args["hops"] = rng.choice([1, 2, 3])
        out = [one(args, {pid})]
        if pools.hidden:
            h, m = rng.choice(pools.hidden), made_up_person(rng)
            extra = {"hops": args.get("hops", 1)} if root == "network" else {}
            out += pair(lambda v: one({"personId": v, **extra}), h, m, [h, m])
        return out
    if root == "path":
        a, b = pools.person(rng), pools.person(rng)
        return [one({"start": a, "goal": b}, {a, b})]
    if root == "people":
        flt: dict[str, Any] = {}
        if rng.random() < 0.5:
            flt["agency"] = pools.agency(rng)
        if rng.random() < 0.4:
            flt["familyName"] = rng.choice(pools.family_names)
        args = {"first": rng.choice([1, 5, 20, 100, 101]), "filter": flt or None}
        if rng.random() < 0.2 and pools.hidden:
            args["after"] = forged_cursor("people", rng.choice(pools.hidden))
        out = [one(args, follow="people")]
        name_only = [
            n
            for n in pools.family_names
            if not any(
                pools.world.person_of.get(r.key) in view.visible and view.source_ok(r.agency)
                for r in pools.world.current()
                if r.type == "person" and r.fields.get("family_name") == n
            )
        ]
        if name_only:
            hidden_name = rng.choice(name_only)
            out += pair(
                lambda v: one({"first": 20, "filter": {"familyName": v}}),
                hidden_name,
                "Zzyzxquorth",
                [hidden_name, "Zzyzxquorth"],
            )
        return out
    if root == "incidents":
        flt = {}
        if rng.random() < 0.4:
            flt["agency"] = pools.agency(rng)
        if rng.random() < 0.4:
            flt["from"] = rng.choice(["2014-01-01", "2015-01-01", "2020-01-01", "2025-06-01"])
        if rng.random() < 0.3:
            flt["to"] = rng.choice(["2015-12-31", "2021-01-01", "2026-12-31"])
        if rng.random() < 0.3:
            flt["categories"] = rng.sample(
                ["physical", "threats", "coercive_control", "sexual", "stalking_harassment"], 2
            )
        args = {
            "first": rng.choice([1, 10, 50, 100]),
            "filter": flt or None,
            "orderBy": rng.choice(["OCCURRED_AT_DESC", "OCCURRED_AT_ASC"]),
        }
        return [one(args, follow="incidents")]
    if root == "serialPerpetrators":
        return [one({"years": rng.choice([1, 3, 5, 10, 12, 15])})]
    if root == "matacNominations":
        args = {"top": rng.choice([5, 20, 50])}
        if rng.random() < 0.5:
            args["area"] = rng.choice([*pools.districts, pools.world.scenario["school_district"], "TS99"])
        if rng.random() < 0.4:
            args["agency"] = pools.agency(rng)
        out = [one(args)]
        hidden_districts = [
            d
            for d in pools.districts
            if not any(
                view.source_ok(r.agency) and r.fields.get("postcode") and district(r.fields["postcode"]) == d
                for r in pools.world.current()
                if r.type == "person"
            )
        ]
        if hidden_districts:
            d = rng.choice(hidden_districts)
            out += pair(lambda v: one({"top": 50, "area": v}), d, "TS98", [d, "TS98"])
        hidden_agencies = [a for a in AGENCIES if not view.source_ok(a) and a != view.caller.agency]
        if hidden_agencies:
            a = rng.choice(hidden_agencies)
            out += pair(lambda v: one({"top": 50, "agency": v}), a, "made-up-agency", [a, "made-up-agency"])
        return out
    if root == "alerts":
        kinds = None if rng.random() < 0.4 else rng.sample([*KINDS, "no_such_kind"], rng.randint(1, 3))
        return [one({"kinds": kinds})]
    if root == "counts":
        rtype = rng.choice(["incident", "referral", "order", "disclosure", "person", "support_need"])
        by = rng.sample(
            [
                "category",
                "occurred_at",
                "crime",
                "outcome",
                "forum",
                "status",
                "kind",
                "scheme",
                "start",
                "referred_at",
                "applied_at",
                "postcode",
                "dob",
                "given_name",
                "victims",
            ],
            rng.randint(1, 2),
        )
        return [one({"recordType": rtype, "by": by})]
    if root == "dashboard":
        year = rng.randint(2014, 2026)
        return [one({"quarter": f"{year}-Q{rng.randint(1, 4)}"})]
    if root == "auditEvents":
        args = {
            "first": rng.choice([5, 50]),
            "person": pools.person(rng) if rng.random() < 0.4 else None,
            "purpose": rng.choice([None, "dvds-disclosure", "matac-tasking"]),
        }
        return [one(args)]
    if root == "subjectAccessReport":
        return [one({"personId": pools.person(rng)})]
    if root == "agency":
        return [one({"code": pools.agency(rng)})]
    if root == "submission":
        sid = rng.choice([*pools.strings, "SUB-0000"]) if pools.strings else "SUB-0000"
        return [one({"id": sid})]
    if root == "_entities":
        reps: list[dict[str, Any]] = []
        anchors: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            kind = rng.choice(["Person", "Person", "Incident", "Agency"])
            if kind == "Person":
                pid = pools.person(rng)
                anchors.add(pid)
                reps.append({"__typename": "Person", "id": pid})
            elif kind == "Incident":
                a, loc = (
                    rng.choice(pools.incidents) if rng.random() < 0.85 else ("cleveland-police", "CP-I-1999-000001")
                )
                reps.append({"__typename": "Incident", "id": f"{a}:{loc}"})
            else:
                reps.append({"__typename": "Agency", "code": pools.agency(rng)})
        out = [one({"representations": reps}, anchors)]
        if pools.hidden:
            h, m = rng.choice(pools.hidden), made_up_person(rng)
            out += pair(lambda v: one({"representations": [{"__typename": "Person", "id": v}]}, {v}), h, m, [h, m])
        hidden_inc = [k for k in pools.incidents if not view.source_ok(k[0])]
        if hidden_inc:
            a, loc = rng.choice(hidden_inc)
            fake = f"{loc}9"
            out += pair(
                lambda v: one({"representations": [{"__typename": "Incident", "id": f"{a}:{v}"}]}),
                loc,
                fake,
                [loc, fake],
            )
        return out
    if root == "acknowledgeAlert":
        return []  # written in the acknowledgement phase, in a fixed order (see run.py)
    if root == "explain":
        rtype = rng.choice(["person", "incident", "relationship", "order", "referral", "support_need", "nonsense"])
        args = {"recordType": rtype}
        if rng.random() < 0.6:
            args["field"] = rng.choice(["local_id", "dob", "postcode", "victims", "perpetrators", "need", "nope"])
        if rng.random() < 0.7:
            args["agency"] = pools.agency(rng)
        return [one(args)]
    if root == "investigation":
        mine = pools.own_investigations
        out = [one({"id": rng.choice(mine) if mine and rng.random() < 0.5 else f"INV-{rng.randrange(10**16):016X}"})]
        if pools.other_investigations:
            other, fake = rng.choice(pools.other_investigations), f"INV-{rng.randrange(10**16):016X}"
            out += pair(lambda v: one({"id": v}), other, fake, [other, fake])
        return out
    if root == "investigations":
        return [one({"first": rng.choice([1, 20, 100])})]
    if root == "saveInvestigation":
        people = [pools.person(rng) for _ in range(rng.randint(0, 6))]
        centre = pools.person(rng)
        view_in = {"personIds": people, "filters": {"centrePersonId": centre, "hops": 2, "area": "TS18"}}
        return [one({"name": "leak probe", "view": view_in}, set(people) | {centre}, write=True)]
    if root == "decideIdentity":
        out = []
        own = [k for k in pools.visible_records if k[0] == view.caller.agency] or pools.visible_records
        if own:
            a = rng.choice(own)
            b = rng.choice(pools.visible_records)
            out.append(
                one({"a": rec(a), "b": rec(b), "decision": rng.choice(["CONFIRM", "SPLIT"]), "reason": "leak test"})
            )
            if pools.hidden_records:
                h = rng.choice(pools.hidden_records)
                fake = (h[0], f"{h[1][:-2]}QZ")
                out += pair(
                    lambda v: one({"a": rec(a), "b": rec(v), "decision": "SPLIT", "reason": "leak test"}, write=True),
                    h,
                    fake,
                    [h[1], fake[1]],
                )
        return out
    if root == "submitRecords":
        agency = view.caller.agency or "cleveland-police"
        mine = [r for r in pools.world.current() if r.agency == agency][:3]
        theirs = [r for r in pools.world.current() if r.agency != agency and r.type == "person"][:50]
        records: list[dict[str, Any]] = []
        if mine:
            m = rng.choice(mine)
            records.append({"type": m.type, "agency": m.agency, "local_id": m.local_id, **m.fields})
        if theirs:
            o = rng.choice(theirs)
            records.append({"type": "person", "agency": o.agency, "local_id": o.local_id, "given_name": "Probe"})
        records.append(
            {
                "type": "disclosure",
                "agency": agency,
                "local_id": f"LEAK-SUB-{rng.randrange(10**6)}",
                "scheme": "right_to_ask",
                "subject": "NO-SUCH-PERSON",
            }
        )
        return [one({"records": records}, write=True)]
    if root in ("openSubmission", "closeSubmission"):
        if root == "openSubmission":
            return [one({"name": "leak probe"}, write=True)]
        return [
            one({"submission": rng.choice([*pools.strings, "SUB-0000"]) if pools.strings else "SUB-0000"}, write=True)
        ]
    # a root field this generator has no special values for: required arguments from their types
    parent = gen.schema.mutation_type if op == "mutation" else gen.schema.query_type
    assert parent is not None
    args = {
        a: generic_value(arg.type, pools, rng)
        for a, arg in parent.fields[root].args.items()
        if isinstance(arg.type, GraphQLNonNull)
    }
    return [one(args)]


def rec(key: tuple[str, str]) -> dict[str, str]:
    return {"agency": key[0], "localId": key[1]}


def generic_value(t: Any, pools: Pools, rng: random.Random) -> Any:
    if isinstance(t, GraphQLNonNull):
        return generic_value(t.of_type, pools, rng)
    if isinstance(t, GraphQLList):
        return [generic_value(t.of_type, pools, rng) for _ in range(rng.randint(1, 2))]
    if isinstance(t, GraphQLEnumType):
        return rng.choice(list(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {n: generic_value(f.type, pools, rng) for n, f in t.fields.items() if isinstance(f.type, GraphQLNonNull)}
    name = getattr(t, "name", "String")
    if name == "Int":
        return rng.choice([1, 3, 20])
    if name == "Boolean":
        return rng.random() < 0.5
    if name == "ID":
        return pools.person(rng)
    if name in ("Date",):
        return "2025-01-01"
    if name in ("DateTime",):
        return "2025-01-01T00:00:00Z"
    return rng.choice([pools.person(rng), pools.agency(rng), *pools.record(rng)])


def object_type(schema: GraphQLSchema, name: str) -> GraphQLObjectType | None:
    t = schema.type_map.get(name)
    return t if isinstance(t, GraphQLObjectType) else None


def scenario_probes(gen: Generator, pools: Pools, view: View) -> list[Probe]:
    """The traps of issue 11, asked by every caller with generated selections: the scenario's people directly, the
    alerts, the nominations with the school-only district and agency as filters (each beside a made-up value),
    the school's decision on its adult contact against a police record it cannot read (beside a made-up one), the
    NHS record, and the windows (serial list over 15 years, the 2016 dashboard, monthly counts)."""
    s, c = pools.world.scenario, view.caller.name
    out: list[Probe] = []

    def one(op: str, root: str, args: dict[str, Any], anchors: set[str] | None = None) -> Probe:
        typed = {k: (gen.arg_type(op, root, k), v) for k, v in args.items()}
        text, variables = gen.document(op, root, typed, depth=3)
        return Probe(c, text, variables, root, anchors or set())

    def pair(first: Probe, hidden: str, made: str) -> list[Probe]:
        if view.refused:
            return [first]
        text = json.dumps(first.variables).replace(json.dumps(hidden)[1:-1], json.dumps(made)[1:-1])
        second = Probe(c, first.query, json.loads(text), first.root, set())
        first.pair = second.pair = f"{c}:scenario:{first.root}:{hidden}"
        first.hidden, first.echo, second.echo = True, [hidden], [made]
        return [first, second]

    for name in ("P", "V1", "V2", "V3", "C"):
        out.append(one("query", "person", {"id": s[name]}, {s[name]}))
    out.append(one("query", "personByRecord", {"agency": "tees-nhs", "localId": "LK-NHS-P"}, {s["P"]}))
    out.append(one("query", "network", {"personId": s["P"], "hops": 2}, {s["P"]}))
    out.append(one("query", "timeline", {"personId": s["P"]}, {s["P"]}))
    out.append(one("query", "path", {"start": s["P"], "goal": s["V1"]}, {s["P"], s["V1"]}))
    for kinds in (None, ["right_to_know"], ["repeat_marac"], ["order_expiring"], ["operation_encompass"]):
        out.append(one("query", "alerts", {"kinds": kinds}))
    out.append(one("query", "serialPerpetrators", {"years": 15}))
    out += pair(
        one("query", "matacNominations", {"top": 50, "area": s["school_district"]}), s["school_district"], "TS98"
    )
    out += pair(
        one("query", "matacNominations", {"top": 50, "agency": "stockton-schools"}),
        "stockton-schools",
        "made-up-agency",
    )
    out.append(one("query", "matacNominations", {"top": 50}))
    out.append(one("query", "dashboard", {"quarter": "2016-Q1"}))
    out.append(one("query", "counts", {"recordType": "incident", "by": ["occurred_at"]}))
    out.append(one("query", "counts", {"recordType": "incident", "by": ["category"]}))
    own = {"stockton-schools": "LK-SCH-M", "tees-nhs": "LK-NHS-P"}.get(view.caller.agency or "")
    mine = own or next((k[1] for k in pools.visible_records if k[0] == view.caller.agency), None)
    if mine:
        a = {"agency": view.caller.agency, "localId": mine}
        b = {"agency": "cleveland-police", "localId": "LK-V3"}
        first = one("mutation", "decideIdentity", {"a": a, "b": b, "decision": "SPLIT", "reason": "leak"})
        v3_visible = s["V3"] in view.visible and view.source_ok("cleveland-police")
        out += [first] if v3_visible else pair(first, "LK-V3", "LK-V3X")
    return out
