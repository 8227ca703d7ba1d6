"""Compiled connection reads: a GraphQL list answered the way REST answers one.

Agency systems poll the same few list queries. graphql-core executes such a
query field by field over model instances, which costs several times the SQL
behind it. A query whose shape is simple enough is answered here instead:

* one query operation with one root field, a :class:`HubConnectionField` of a
  registered type, paging forward (``first``/``after``) with any filters;
* below it ``edges { cursor node { … } }``, ``pageInfo { … }`` and
  ``__typename``; on a node: plain scalar and enum fields (graphene's default
  resolver on a model column), ``id``, columns a type declares (say
  ``databaseId`` → ``pk``) and to-one relations it declares (read as its
  resolver reads them), with the same rules below them;
* no fragments, directives or repeated response keys.

The queryset is built by the connection field itself (the type's
``get_queryset``, i.e. the policy, and the FilterSet), narrowed to the columns
the selection reads, compiled once per (document, arguments, principal scope)
into :data:`api.plans.plans` and afterwards only executed; rows are shaped into
the response directly. Anything else, and any value graphql-core would report
as an error, takes graphql-core's path, so a compiled answer is always the
answer graphql-core gives (tests hold the two side by side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from graphene import relay
from graphene.utils.str_converters import to_camel_case
from graphene_django.types import DjangoObjectType
from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_nullable_type,
    is_enum_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path
from graphql.type.scalars import serialize_boolean, serialize_int, serialize_string
from graphql_relay import get_offset_with_default, offset_to_cursor, to_global_id

from agencies import policy
from api.graphql.connections import HubConnectionField, usable_cursor
from api.graphql.execution import (
    FULL_PATH,
    PlainLeaf,
    never_awaitable,
    plain_leaf,
    serialize_leaf,
)
from api.plans import CompiledQuery, plans


@dataclass(frozen=True)
class Compilable:
    """What the compiler may read of one type besides its plain columns."""

    graphene_type: type[DjangoObjectType]
    # Field (Python name) → the column it resolves to, e.g. database_id → pk.
    columns: dict[str, str]
    # To-one fields read without a policy of their own (as their resolvers read them).
    relations: frozenset[str]


_registry: dict[str, Compilable] = {}


def register(graphene_type, *, columns: dict[str, str] | None = None, relations=()) -> None:
    """Let lists of `graphene_type` be compiled.

    Only for a type whose ``get_queryset`` and FilterSet are pure functions of
    the principal's scope and the arguments (no clock, no queries while the
    queryset is built), like ``compiled_lists`` in REST. `columns` names fields
    with their own resolver that return one column; `relations` names to-one
    fields whose resolver returns the related row as it is (a public target, or one
    read with ``bypass_get_queryset``); the target type must be registered too.
    """
    _registry[graphene_type._meta.name] = Compilable(
        graphene_type, dict(columns or {}), frozenset(relations)
    )


class _NotCompilable(Exception):
    """The document needs graphql-core's executor."""


# -- the shape of a document -----------------------------------------------------


@dataclass(frozen=True)
class NodeShape:
    type_name: str
    pk: str  # the column holding the primary key: ids, and null for an absent relation
    # (response key, kind, column, leaf reader, nested shape); kind: leaf, id, typename, object
    entries: tuple[tuple[str, str, str | None, Callable | None, NodeShape | None], ...]
    nullable: bool = True

    def columns(self) -> list[str]:
        found = [self.pk]
        for _key, kind, column, _leaf, nested in self.entries:
            if kind == "leaf":
                found.append(column)
            elif kind == "object":
                found.extend(nested.columns())
        return found


@dataclass(frozen=True)
class ConnectionShape:
    key: str
    field_node: FieldNode
    field_def: Any
    field: HubConnectionField
    connection_entries: tuple[tuple[str, str], ...]  # (key, edges|pageInfo|__typename)
    connection_type: str
    edge_entries: tuple[tuple[str, str], ...]  # (key, node|cursor|__typename)
    edge_type: str
    page_info_entries: tuple[tuple[str, str], ...]  # (key, field name)
    node: NodeShape


def _fields(selection_set) -> list[FieldNode]:
    """The fields selected, when they are plain fields with distinct response keys."""
    if selection_set is None:
        raise _NotCompilable("no selection")
    fields = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            raise _NotCompilable("fragment or directive")
        fields.append(selection)
    keys = [_key(field) for field in fields]
    if len(set(keys)) != len(keys):
        raise _NotCompilable("a response key selected twice")
    return fields


def _key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def _python_names(graphene_type) -> dict[str, str]:
    """GraphQL field name → the graphene type's attribute name."""
    return {
        (getattr(field, "name", None) or to_camel_case(name)): name
        for name, field in graphene_type._meta.fields.items()
    }


_INT32 = range(-(2**31), 2**31)
# Scalars that answer a value of this exact type as it is (graphql-core's own scalars).
_KEEPS = {serialize_string: str, serialize_int: int, serialize_boolean: bool}


def _reader(leaf: PlainLeaf, field_def) -> Callable[[Any], Any]:
    """:func:`serialize_leaf` for one field, with graphql-core's common answers inlined.

    A string, an int or a bool that its own scalar answers unchanged is returned
    as it is; an enum's answer for a raw value is remembered (it depends on the
    value alone); everything else goes through :func:`serialize_leaf`.
    """
    keeps = _KEEPS.get(leaf.serialize)
    memo: dict[str, Any] | None = {} if is_enum_type(get_nullable_type(field_def.type)) else None

    def read(value: Any) -> Any:
        kind = type(value)
        plain = kind is not int or value in _INT32
        if kind is keeps and plain and not (leaf.choice and value == ""):
            return value
        if memo is not None and kind is str:
            answer = memo.get(value, FULL_PATH)
            if answer is FULL_PATH:
                answer = serialize_leaf(leaf, value)
                if answer is not FULL_PATH and len(memo) < 1024:
                    memo[value] = answer
            return answer
        return serialize_leaf(leaf, value)

    return read


def _leaf_of(field_def, column: str) -> PlainLeaf:
    leaf = get_nullable_type(field_def.type)
    if not is_leaf_type(leaf):
        raise _NotCompilable("a declared column that is not a scalar")
    return PlainLeaf(column, None, leaf.serialize, not is_non_null_type(field_def.type), False)


def _node_shape(object_type: GraphQLObjectType, selection_set, prefix: str, nullable) -> NodeShape:
    """How to render one node of `object_type` from a row whose columns start with `prefix`."""
    compilable = _registry.get(object_type.name)
    if compilable is None:
        raise _NotCompilable(f"{object_type.name} is not registered")
    graphene_type = compilable.graphene_type
    model = graphene_type._meta.model
    names = _python_names(graphene_type)
    # graphene's global id: "<type name>:<pk>", base64-encoded.
    relay_id = (
        relay.Node in graphene_type._meta.interfaces
        and graphene_type.resolve_id is DjangoObjectType.resolve_id
    )
    entries = []
    for node in _fields(selection_set):
        name, key = node.name.value, _key(node)
        if name == "__typename":
            entries.append((key, "typename", None, None, None))
            continue
        field_def = object_type.fields.get(name)
        if field_def is None or node.arguments or field_def.args:
            raise _NotCompilable(f"{name}: arguments or unknown")
        python_name = names.get(name)
        if name == "id" and relay_id:
            entries.append((key, "id", None, None, None))
        elif python_name in compilable.columns:
            column = compilable.columns[python_name]
            column = prefix + (model._meta.pk.name if column == "pk" else column)
            leaf = _leaf_of(field_def, column)
            entries.append((key, "leaf", column, _reader(leaf, field_def), None))
        elif python_name in compilable.relations:
            target = get_nullable_type(field_def.type)
            relation = model._meta.get_field(python_name)
            if not (relation.many_to_one or relation.one_to_one) or not relation.concrete:
                raise _NotCompilable(f"{name} is not a forward to-one relation")
            nested = _node_shape(
                target,
                node.selection_set,
                f"{prefix}{python_name}__",
                not is_non_null_type(field_def.type),
            )
            entries.append((key, "object", None, None, nested))
        else:
            leaf = plain_leaf(object_type, name)
            if leaf is None or node.selection_set is not None:
                raise _NotCompilable(f"{name} has its own resolver")
            try:
                model_field = model._meta.get_field(leaf.attname)
            except FieldDoesNotExist:
                raise _NotCompilable(f"{name} is not a column") from None
            if not model_field.concrete or model_field.is_relation:
                raise _NotCompilable(f"{name} is not a column")
            entries.append((key, "leaf", prefix + leaf.attname, _reader(leaf, field_def), None))
    return NodeShape(object_type.name, prefix + model._meta.pk.name, tuple(entries), nullable)


def _root_field(schema: GraphQLSchema, operation: OperationDefinitionNode):
    if operation.operation != OperationType.QUERY:
        raise _NotCompilable("not a query")
    selected = _fields(operation.selection_set)
    if len(selected) != 1:
        raise _NotCompilable("more than one root field")
    field_node = selected[0]
    query_type = schema.query_type
    field_def = query_type.fields.get(field_node.name.value)
    graphene_query = getattr(query_type, "graphene_type", None)
    if field_def is None or graphene_query is None:
        raise _NotCompilable("unknown root field")
    python_name = _python_names(graphene_query).get(field_node.name.value)
    field = graphene_query._meta.fields.get(python_name)
    if (
        not isinstance(field, HubConnectionField)
        or field.resolver is not None
        or getattr(graphene_query, f"resolve_{python_name}", None) is not None
    ):
        raise _NotCompilable("not a plain connection field")
    return field_node, field_def, field


_PAGE_INFO = ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename")


def _connection_shape(schema: GraphQLSchema, operation: OperationDefinitionNode) -> ConnectionShape:
    field_node, field_def, field = _root_field(schema, operation)
    connection_type = get_nullable_type(field_def.type)
    edge_type = get_nullable_type(get_nullable_type(connection_type.fields["edges"].type).of_type)
    selected = _fields(field_node.selection_set)
    names = [node.name.value for node in selected]
    if any(names.count(name) > 1 for name in ("edges", "pageInfo")):
        raise _NotCompilable("edges or pageInfo selected twice")
    node_shape = None
    edge_entries, page_info_entries = [], []
    for node in selected:
        name = node.name.value
        if name == "edges":
            for edge_node in _fields(node.selection_set):
                edge_name = edge_node.name.value
                edge_entries.append((_key(edge_node), edge_name))
                if edge_name == "node" and node_shape is None:
                    node_type = get_nullable_type(edge_type.fields["node"].type)
                    node_shape = _node_shape(node_type, edge_node.selection_set, "", True)
                elif edge_name not in ("cursor", "__typename"):
                    raise _NotCompilable(f"edge field {edge_name}")
        elif name == "pageInfo":
            for info_node in _fields(node.selection_set):
                if info_node.name.value not in _PAGE_INFO:
                    raise _NotCompilable(f"pageInfo field {info_node.name.value}")
                page_info_entries.append((_key(info_node), info_node.name.value))
        elif name != "__typename":
            raise _NotCompilable(f"connection field {name}")
    if node_shape is None:
        # Without nodes there are no columns to read: rare enough to leave to graphql-core.
        raise _NotCompilable("no node selected")
    return ConnectionShape(
        key=_key(field_node),
        field_node=field_node,
        field_def=field_def,
        field=field,
        connection_entries=tuple((_key(node), node.name.value) for node in selected),
        connection_type=connection_type.name,
        edge_entries=tuple(edge_entries),
        edge_type=edge_type.name,
        page_info_entries=tuple(page_info_entries),
        node=node_shape,
    )


_shapes: dict[tuple, ConnectionShape | None] = {}
_SHAPES_KEPT = 512


def connection_shape(
    schema: GraphQLSchema, query: str, operation: OperationDefinitionNode
) -> ConnectionShape | None:
    """The compiled shape of `operation` in `query`, or None when graphql-core must run it."""
    key = (id(schema), query, operation.name.value if operation.name else None)
    try:
        return _shapes[key]
    except KeyError:
        pass
    try:
        shape = _connection_shape(schema, operation)
    except (_NotCompilable, ValueError, KeyError, AttributeError, FieldDoesNotExist):
        shape = None
    if len(_shapes) >= _SHAPES_KEPT:
        _shapes.clear()
    _shapes[key] = shape
    return shape


# -- answering -----------------------------------------------------------------------


class _FullPath(Exception):
    """A value graphql-core would report: let it execute the query."""


def _render(shape: NodeShape, row: dict[str, Any]) -> dict[str, Any] | None:
    pk = row[shape.pk]
    if pk is None:
        if shape.nullable:
            return None
        raise _FullPath
    out = {}
    for key, kind, column, read, nested in shape.entries:
        if kind == "leaf":
            value = read(row[column])
            if value is FULL_PATH:
                raise _FullPath
            out[key] = value
        elif kind == "id":
            out[key] = _global_id(shape.type_name, pk)
        elif kind == "typename":
            out[key] = shape.type_name
        else:
            out[key] = _render(nested, row)
    return out


def _global_id(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, str(pk))


def _info(schema, shape: ConnectionShape, operation, variables, context):
    return GraphQLResolveInfo(
        shape.field_node.name.value,
        [shape.field_node],
        shape.field_def.type,
        schema.query_type,
        Path(None, shape.key, schema.query_type.name),
        schema,
        {},
        None,
        operation,
        variables,
        context,
        never_awaitable,
    )


@dataclass(frozen=True)
class CompiledList:
    """A list query compiled for one set of arguments and one principal scope."""

    shape: ConnectionShape
    query: CompiledQuery
    start: int
    first: int

    def data(self) -> dict[str, Any]:
        """The operation's ``data``: the page read fresh and shaped as graphql-core would."""
        rows = self.query.rows()
        nodes = [_render(self.shape.node, row) for row in rows[: self.first]]
        return {self.shape.key: _connection(self.shape, nodes, self.start, len(rows) > self.first)}


def compiled_list(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    query: str,
    raw_variables: dict | None,
    context,
) -> CompiledList | None:
    """The compiled form of a compilable list query, or None when graphql-core must run it."""
    if not settings.HUB_GRAPHQL_COMPILED:
        return None
    shape = connection_shape(schema, query, operation)
    if shape is None:
        return None
    definitions = operation.variable_definitions or []
    variables = get_variable_values(schema, definitions, raw_variables or {})
    if isinstance(variables, list):
        return None  # invalid variables: graphql-core reports them
    try:
        args = get_argument_values(shape.field_def, shape.field_node, variables)
    except Exception:  # noqa: BLE001 - graphql-core reports bad arguments
        return None
    field = shape.field
    first = args.get("first", field.max_limit)
    if (
        not isinstance(first, int)
        or first < 1
        or (field.max_limit is not None and first > field.max_limit)
        or args.get("last") is not None
        or args.get("before") is not None
        or args.get("offset")
        or (field.enforce_first_or_last and args.get("first") is None)
        or not usable_cursor(args.get("after"))  # refused by the field, in graphql-core
    ):
        return None
    start = get_offset_with_default(args.get("after"), -1) + 1
    principal = getattr(context, "principal", policy.ANONYMOUS)
    plan_key = (
        "graphql",
        query,
        operation.name.value if operation.name else None,
        orjson.dumps(args, option=orjson.OPT_SORT_KEYS, default=str),
        policy.scope_key(principal),
    )
    compiled = plans.get(plan_key)
    if compiled is None:
        try:
            info = _info(schema, shape, operation, variables, context)
            queryset = field.get_queryset_resolver()(
                field.connection_type, field.get_manager(), info, dict(args)
            )
            columns = dict.fromkeys(shape.node.columns())
            page = queryset.prefetch_related(None).values(*columns)[start : start + first + 1]
            compiled = CompiledList(shape, CompiledQuery.of(page), start, first)
        except Exception:  # noqa: BLE001 - errors are graphql-core's to report, in its words
            return None
        plans.put(plan_key, compiled)
    return compiled


def _connection(shape: ConnectionShape, nodes: list, start: int, has_next: bool) -> dict:
    out: dict[str, Any] = {}
    for key, name in shape.connection_entries:
        if name == "__typename":
            out[key] = shape.connection_type
        elif name == "edges":
            out[key] = [_edge(shape, node, start + index) for index, node in enumerate(nodes)]
        else:
            out[key] = _page_info(shape, start, len(nodes), has_next)
    return out


def _edge(shape: ConnectionShape, node: dict | None, offset: int) -> dict:
    out: dict[str, Any] = {}
    for key, name in shape.edge_entries:
        if name == "node":
            out[key] = node
        elif name == "cursor":
            out[key] = offset_to_cursor(offset)
        else:
            out[key] = shape.edge_type
    return out


def _page_info(shape: ConnectionShape, start: int, count: int, has_next: bool) -> dict:
    out: dict[str, Any] = {}
    for key, name in shape.page_info_entries:
        if name == "hasNextPage":
            out[key] = has_next
        elif name == "hasPreviousPage":
            out[key] = False  # paging forward: graphql-relay's answer too
        elif name == "startCursor":
            out[key] = offset_to_cursor(start) if count else None
        elif name == "endCursor":
            out[key] = offset_to_cursor(start + count - 1) if count else None
        else:
            out[key] = "PageInfo"
    return out
