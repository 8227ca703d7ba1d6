"""Mutations: typed errors (the same codes REST puts in problem+json) and a builder."""

from __future__ import annotations

import functools

import graphene

from agencies import policy
from api.errors import language, to_hub_error


class MutationError(graphene.ObjectType):
    """One problem with a mutation: the field it concerns (if any), a stable code, a message."""

    field = graphene.String(description="Input field the error concerns; null for the whole call.")
    code = graphene.String(required=True, description="Stable machine-readable error code.")
    message = graphene.String(required=True, description="Message in the caller's language.")


def errors_of(exc: Exception, request) -> list[MutationError]:
    error = to_hub_error(exc)
    if error is None:
        raise exc
    lang = language(request)
    if error.errors:
        return [
            MutationError(
                field=item.field or None, code=item.code, message=item.as_dict(lang)["message"]
            )
            for item in error.errors
        ]
    return [MutationError(field=None, code=error.code, message=error.message(lang))]


def hub_mutation(fn):
    """Wrap a mutate() so HubErrors become typed `errors` in the payload.

    Every mutation needs an authenticated principal; the policy decides the rest.
    """

    @functools.wraps(fn)
    def wrapper(cls, root, info, **kwargs):
        try:
            policy.require_authenticated(getattr(info.context, "principal", policy.ANONYMOUS))
            return fn(cls, root, info, **kwargs)
        except Exception as exc:  # noqa: BLE001 - unknown errors are re-raised by errors_of
            return refused(cls, errors_of(exc, info.context))

    return wrapper


def refused(cls, errors: list[MutationError]):
    """The payload of a refused call: its `errors`, and `ok: false` where it answers `ok`
    (a required field: left null, graphql-core would turn the refusal into a fault)."""
    failed = {"ok": False} if "ok" in cls._meta.fields else {}
    return cls(errors=errors, **failed)


# The `errors` field of every mutation payload.
ERRORS = graphene.List(graphene.NonNull(MutationError), required=True)


def mutation(name: str, *, arguments: dict, returns: dict, resolve, doc: str | None = None):
    """A mutation class `name` for the many that load, call one service and return.

    `arguments` and `returns` map names to graphene arguments and payload fields
    (the payload also gets `errors`); ``resolve(info, **arguments)`` calls the
    service and answers the payload's values. Errors become typed `errors` as
    with :func:`hub_mutation`.
    """

    def mutate(cls, root, info, **kwargs):
        return cls(**resolve(info, **kwargs), errors=[])

    return type(
        name,
        (graphene.Mutation,),
        {
            "__doc__": doc,
            "Arguments": type("Arguments", (), dict(arguments)),
            **returns,
            "errors": ERRORS,
            "mutate": classmethod(hub_mutation(mutate)),
        },
    )
