"""Query depth and cost limits: a GraphQL caller cannot ask for unbounded work."""

from __future__ import annotations

from django.conf import settings
from graphene.validation import depth_limit_validator
from graphql import GraphQLError, ValidationRule, specified_rules
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
)

DEFAULT_PAGE = 25


def _multiplier(node: FieldNode, variables: dict) -> int:
    for argument in node.arguments or ():
        if argument.name.value in {"first", "last"}:
            value = argument.value
            raw = getattr(value, "value", None)
            if raw is None and hasattr(value, "name"):
                raw = variables.get(value.name.value)
            try:
                return max(1, int(raw))
            except (TypeError, ValueError):
                return DEFAULT_PAGE
    return 1


def _cost(selection_set, fragments, variables, seen=frozenset()) -> int:
    total = 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            inner = _cost(selection.selection_set, fragments, variables, seen)
            total += 1 + _multiplier(selection, variables) * inner
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, fragments, variables, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                total += _cost(fragments[name].selection_set, fragments, variables, seen | {name})
    return total


class CostLimitRule(ValidationRule):
    """Rejects operations whose estimated cost (fields × requested page sizes) is too high."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        document = self.context.document
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if definition.kind == "fragment_definition"
        }
        cost = _cost(node.selection_set, fragments, {})
        limit = settings.HUB_GRAPHQL_MAX_COST
        if cost > limit:
            self.report_error(
                GraphQLError(
                    f"Query cost {cost} exceeds the limit of {limit}.",
                    node,
                    extensions={"code": "query_too_costly", "cost": cost, "limit": limit},
                )
            )


def validation_rules() -> list:
    return [
        *specified_rules,
        depth_limit_validator(max_depth=settings.HUB_GRAPHQL_MAX_DEPTH),
        CostLimitRule,
    ]
