"""Ceilings on what one GraphQL document may ask for, checked before any resolver runs.

    limit     counted over                                                          refused with
    tokens    the document's lexical tokens and comments, by the parser             QUERY_TOO_LARGE
    depth     nested field levels of the operation run: ``{ hub { version } }``     QUERY_TOO_DEEP
              is 2
    aliases   aliased fields of the operation run, introspection fields included,  TOO_MANY_ALIASES
              a fragment counted at each place it is spread
    cost      the objects the operation can return: a field of an object type      QUERY_TOO_COSTLY
              costs 1 for each parent object; a list multiplies what it holds by
              its page argument (``first``, ``last``, ``limit``, ``top``; if not
              given, its default, else 20, the hub's default page), by the number
              of ``_entities`` representations, else by 10; a connection's
              ``edges``/``nodes`` take the page of the field above them; scalars
              are free. Introspection costs the same way, its lists by what the
              schema holds (``types`` by the number of types, a type's ``fields``
              by the mean number per type, a field's ``args`` by the mean per
              field...), so that the estimate of a whole-schema query follows the
              objects it returns
    (production) ``__schema`` and ``__type``                                        INTROSPECTION_DISABLED

Depth, aliases and cost are measured on the operation that runs, with its variables, in one walk (fragments are
measured once per page size, so fragment fan-out cannot make the walk itself expensive). Introspection is not held to
the depth limit (GraphiQL's own schema query nests ``ofType`` nine deep), but it counts against the alias and cost
limits like any other field: one full GraphiQL introspection costs about a fifth of the default cost limit, so fifty
aliased copies of ``__schema`` are refused before they run (in development; production refuses introspection
outright). Strawberry's QueryDepthLimiter and MaxAliasesLimiter are not used: their errors carry no code, and the
depth rule raises on a spread of an unknown fragment instead of leaving it to validation.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_list_type,
)
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension

from hub.settings import QueryLimits

PAGE_ARGUMENTS = ("first", "last", "limit", "top")
DEFAULT_PAGE = 20  # what a paged field returns when not asked for a size (hub.access.pages)
DEFAULT_LIST_SIZE = 10  # the assumed length of a list that is not paged (a person's records, an incident's people)
CODES = ("QUERY_TOO_LARGE", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COSTLY", "INTROSPECTION_DISABLED")


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


@functools.lru_cache(maxsize=4)
def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """How long each introspection list is, on average, in this schema: (type, field) -> items."""
    types = list(schema.type_map.values())
    with_fields = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
    fields = [f for t in with_fields for f in t.fields.values()]
    directives = schema.directives

    def per(total: int, parents: int) -> float:
        return total / max(parents, 1)

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): per(len(fields), len(types)),
        ("__Type", "interfaces"): per(sum(len(t.interfaces) for t in with_fields), len(types)),
        ("__Type", "possibleTypes"): per(
            sum(len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)), len(types)
        ),
        ("__Type", "enumValues"): per(sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), len(types)),
        ("__Type", "inputFields"): per(
            sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)), len(types)
        ),
        ("__Field", "args"): per(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): per(sum(len(d.args) for d in directives), len(directives)),
    }


class _Walk:
    def __init__(self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], variables: Any) -> None:
        self.schema, self.fragments = schema, fragments
        self.variables = variables if isinstance(variables, dict) else {}
        self.memo: dict[tuple[str, int | None], Measure] = {}
        self.open: set[str] = set()  # fragments being measured: a cycle (refused by validation) counts nothing
        self.introspection = introspection_sizes(schema)

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, page: int | None) -> Measure:
        depth = aliases = cost = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                measure = self.field(node, parent, page)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                measure = self.selections(
                    node.selection_set, self.schema.get_type(condition.name.value) if condition else parent, page
                )
            elif isinstance(node, FragmentSpreadNode):
                measure = self.spread(node.name.value, page)
            else:
                continue
            depth, aliases, cost = max(depth, measure.depth), aliases + measure.aliases, cost + measure.cost
        return Measure(depth, aliases, cost)

    def spread(self, name: str, page: int | None) -> Measure:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.open:
            return Measure()
        if (name, page) not in self.memo:
            self.open.add(name)
            parent = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[name, page] = self.selections(fragment.selection_set, parent, page)
            self.open.discard(name)
        return self.memo[name, page]

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> Measure:
        name = node.name.value
        alias = 1 if node.alias else 0
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}.get(name) or fields.get(name)
        if definition is None or node.selection_set is None:
            return Measure(0 if name.startswith("__") else 1, alias, 0)  # __typename: no level of its own
        if name.startswith("__") or (parent is not None and parent.name.startswith("__")):
            return self.introspection_field(node, definition, parent, alias)
        own = self.argument(node, PAGE_ARGUMENTS)
        paged = [definition.args[a].default_value for a in PAGE_ARGUMENTS if a in definition.args]
        if own is None and paged:  # the page the resolver returns when none is asked for
            own = next((d for d in paged if isinstance(d, int) and not isinstance(d, bool)), DEFAULT_PAGE)
        returned = get_nullable_type(definition.type)
        if is_list_type(returned):
            representations = self.argument(node, ("representations",), length=True)
            size, page = next(s for s in (own, representations, page, DEFAULT_LIST_SIZE) if s is not None), None
        else:
            size, page = 1, own
        inner = self.selections(node.selection_set, get_named_type(returned), page)
        return Measure(1 + inner.depth, alias + inner.aliases, size * (1 + inner.cost))

    def introspection_field(
        self, node: FieldNode, definition: Any, parent: GraphQLNamedType | None, alias: int
    ) -> Measure:
        """A field of the schema's description: its lists are as long as the schema makes them; no depth."""
        returned = get_nullable_type(definition.type)
        size = 1.0
        if is_list_type(returned):
            size = self.introspection.get((parent.name if parent else "", node.name.value), DEFAULT_LIST_SIZE)
        assert node.selection_set is not None
        inner = self.selections(node.selection_set, get_named_type(returned), None)
        return Measure(0, alias + inner.aliases, math.ceil(size * (1 + inner.cost)))

    def argument(self, node: FieldNode, names: tuple[str, ...], *, length: bool = False) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value not in names:
                continue
            value: Any = argument.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                value = int(value.value)
            elif isinstance(value, ListValueNode):
                value = value.values
            if length and isinstance(value, list | tuple):
                return len(value)
            if not length and isinstance(value, int) and not isinstance(value, bool):
                return max(value, 0)
        return None


def measure(schema: GraphQLSchema, document: Any, operation_name: str | None, variables: Any = None) -> Measure:
    """Depth, aliases and cost of the operation ``operation_name`` names (or the only one) in a parsed document."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return Measure()  # execution refuses it with its own error
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Walk(schema, fragments, variables).selections(operation.selection_set, root, None)


def refusal(found: Measure, limits: QueryLimits) -> GraphQLError | None:
    if found.depth > limits.depth:
        return GraphQLError(
            f"the operation nests {found.depth} levels of fields; at most {limits.depth} are allowed",
            extensions={"code": "QUERY_TOO_DEEP"},
        )
    if found.aliases > limits.aliases:
        return GraphQLError(
            f"the operation uses {found.aliases} aliases; at most {limits.aliases} are allowed",
            extensions={"code": "TOO_MANY_ALIASES"},
        )
    if found.cost > limits.cost:
        return GraphQLError(
            f"the operation could return about {found.cost} objects; at most {limits.cost} are allowed: "
            "ask for smaller pages or fewer nested lists",
            extensions={"code": "QUERY_TOO_COSTLY"},
        )
    return None


class OperationLimits(SchemaExtension):
    """Refuse an operation over the depth, alias or cost limit before any resolver runs (the result stands in)."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            found = measure(context.schema._schema, context.graphql_document, context.operation_name, context.variables)
            error = refusal(found, self.limits)
            if error is not None:
                context.result = ExecutionResult(data=None, errors=[error])
        yield


class CodedParserCache(ParserCache):
    """Strawberry's parse cache, except that a document that does not parse (or is over the token limit) is left to
    the schema's own parse: that reports it as the operation's error, which ErrorCodes codes and the audit records,
    where an exception here would skip every other extension."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class _NoIntrospection(ValidationRule):
    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    "introspection is disabled in production mode: use the published schema (schema.graphql)",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


def limit_code(error: GraphQLError) -> str | None:
    """The code of a refusal made here, or by the parser's token limit (a syntax error that aborts parsing)."""
    code = (error.extensions or {}).get("code")
    if code in CODES:
        return str(code)
    if error.message.startswith("Syntax Error:") and error.message.endswith("Parsing aborted."):
        return "QUERY_TOO_LARGE"
    return None


def limit_extensions(limits: QueryLimits, *, production: bool) -> list[Any]:
    """The schema extensions that enforce ``limits``, as factories (strawberry makes one set per request)."""
    rules: list[type[ASTValidationRule]] = [_NoIntrospection] if production else []
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=limits.tokens),
        lambda: OperationLimits(limits),
    ]
    if rules:
        extensions.append(lambda: AddValidationRules(rules))
    return extensions
