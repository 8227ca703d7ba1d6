"""graphql-core's executor with a shortcut for plain leaf fields.

A list page of 50 objects resolves hundreds of scalar fields. graphql-core
builds a resolve-info object, argument values and a completion pass for each
one. For a field that graphene resolves with its default resolver (the
attribute or dict key of the same name, possibly under graphene-django's
choice-field wrappers: a blank reads as null, a Choices member as its value),
has no arguments and returns a scalar or enum, that work reduces to "read the
value, serialize it". Anything else, including every value that does not
serialize cleanly, takes the full path, so results and errors are exactly
what graphql-core produces.
"""

from __future__ import annotations

from functools import partial
from types import CodeType
from typing import Any, NamedTuple

from django.db.models import Choices
from graphene import String
from graphene.types.resolver import dict_or_attr_resolver
from graphene_django.converter import BlankValueField, EnumValueField
from graphql import ExecutionContext, GraphQLObjectType, Undefined, get_nullable_type
from graphql.type import is_leaf_type, is_non_null_type


class PlainLeaf(NamedTuple):
    attname: str
    default: Any
    serialize: Any
    nullable: bool
    choice: bool  # graphene-django's choice-field wrappers: "" is null, Choices → value


def _wrapper_code(field_class) -> CodeType:
    """The code every resolver wrapper that `field_class` makes shares."""
    return field_class(String).wrap_resolve(lambda *_args: None).__code__


_BLANK_WRAPPER = _wrapper_code(BlankValueField)
_ENUM_WRAPPER = _wrapper_code(EnumValueField)


def _default_resolver(resolve) -> tuple[partial | None, bool]:
    """The default-resolver partial behind `resolve`, and whether choice wrappers sit on it."""
    choice = False
    if getattr(resolve, "__code__", None) is _ENUM_WRAPPER:
        resolve, choice = getattr(resolve, "__wrapped__", None), True
    if getattr(resolve, "__code__", None) is _BLANK_WRAPPER:
        resolve, choice = getattr(resolve, "__wrapped__", None), True
    return (resolve, choice) if isinstance(resolve, partial) else (None, False)


_plans: dict[tuple[GraphQLObjectType, str], PlainLeaf | None] = {}


def plain_leaf(parent_type: GraphQLObjectType, name: str) -> PlainLeaf | None:
    """How to read field `name` of `parent_type` directly, or None when it needs the full path."""
    key = (parent_type, name)
    try:
        return _plans[key]
    except KeyError:
        pass
    plan = None
    field = parent_type.fields.get(name)
    resolve, choice = _default_resolver(field.resolve if field is not None else None)
    if (
        resolve is not None
        and resolve.func is dict_or_attr_resolver
        and not field.args
        and is_leaf_type(get_nullable_type(field.type))
    ):
        attname, default = resolve.args
        leaf = get_nullable_type(field.type)
        nullable = not is_non_null_type(field.type)
        plan = PlainLeaf(attname, default, leaf.serialize, nullable, choice)
    _plans[key] = plan
    return plan


FULL_PATH = object()
"""What :func:`serialize_leaf` answers when only graphql-core's full path can say."""


def serialize_leaf(plan: PlainLeaf, value: Any) -> Any:
    """The answer graphql-core gives for a plain leaf whose resolver read `value`.

    FULL_PATH when that answer is not a plain value (a null in a non-null field,
    a value the scalar refuses): the caller lets graphql-core report it.
    """
    if plan.choice:
        if value == "":
            value = None
        elif isinstance(value, Choices):
            value = value.value
    if value is None:
        return None if plan.nullable else FULL_PATH
    try:
        serialized = plan.serialize(value)
    except Exception:  # noqa: BLE001 - the full path reports it as graphql-core does
        return FULL_PATH
    if serialized is None or serialized is Undefined:
        return FULL_PATH
    return serialized


def never_awaitable(_value: Any) -> bool:
    """The hub executes synchronously: no resolver returns an awaitable."""
    return False


class HubExecutionContext(ExecutionContext):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The hub executes synchronously (WSGI, Django ORM): no resolver returns an
        # awaitable, so the check graphql-core makes on every single value is skipped.
        self.is_awaitable = never_awaitable
        manager = self.middleware_manager
        # Middleware wraps every resolver: then no field may skip its resolver.
        self.shortcut = manager is None or not manager.middlewares

    def execute_field(self, parent_type, source, field_nodes, path):
        node = field_nodes[0]
        plan = None
        if self.shortcut and not node.arguments:
            plan = plain_leaf(parent_type, node.name.value)
        if plan is not None:
            if isinstance(source, dict):
                value = source.get(plan.attname, plan.default)
            else:
                value = getattr(source, plan.attname, plan.default)
            serialized = serialize_leaf(plan, value)
            if serialized is not FULL_PATH:
                return serialized
        return super().execute_field(parent_type, source, field_nodes, path)
