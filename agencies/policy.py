"""The one access policy. Every permission question in the hub is answered here.

REST views, GraphQL resolvers, the Django admin and the portal all ask the same
two things:

* :func:`visible_to` — the queryset of objects of a model a principal may act on;
* :func:`check` — may this principal do this action on this object (or in this
  agency)? It raises :class:`~hub.errors.NotFound` when the principal may not
  even see the object, so "not found" and "not yours" answer the same.

Each model's rule is registered once with :func:`register`; the rules for the
shared building blocks (agency-owned content, scopes for machines) live here so
every model uses the same vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from hub.errors import NotAuthenticated, NotFound, PermissionDenied

# Roles of staff in an agency.
AGENCY_ADMIN, EDITOR, VERIFIER, VIEWER = "agency_admin", "editor", "verifier", "viewer"
ROLES = (AGENCY_ADMIN, EDITOR, VERIFIER, VIEWER)

# Scopes an agency system may hold.
SCOPES = (
    "content:read",
    "content:write",
    "media:write",
    "facts:write",
    "contacts:write",
    "bulletins:issue",
    "agency:admin",
)

# Actions.
VIEW, CREATE, CHANGE, DELETE = "view", "create", "change", "delete"
REVIEW, PUBLISH = "review", "publish"
MANAGE = "manage"  # members, API keys, webhooks of an agency


@dataclass(frozen=True)
class Principal:
    """Who is making a request: an anonymous caller, a staff user or an agency system.

    ``roles`` maps agency id → the roles held there. ``scopes`` is None for people
    (their roles decide) and the granted scopes for agency systems.
    """

    kind: str  # "anonymous" | "user" | "system"
    label: str = "anonymous"
    user_id: int | None = None
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    scopes: frozenset[str] | None = None
    is_platform_admin: bool = False
    client_id: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def agency_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    @property
    def primary_agency_id(self) -> int | None:
        return min(self.roles) if self.roles else None

    def has_role(self, agency_id: int | None, *roles: str) -> bool:
        held = self.roles.get(agency_id, frozenset()) if agency_id is not None else frozenset()
        return bool(held & set(roles))

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def agencies_with_role(self, *roles: str) -> list[int]:
        return [agency for agency, held in self.roles.items() if held & set(roles)]


ANONYMOUS = Principal(kind="anonymous")


def scope_key(principal: Principal) -> tuple:
    """Everything :func:`visible_to` reads from a principal: equal keys see the same rows."""
    roles = tuple(sorted((agency, tuple(sorted(held))) for agency, held in principal.roles.items()))
    scopes = None if principal.scopes is None else tuple(sorted(principal.scopes))
    return (principal.kind, principal.user_id, principal.is_platform_admin, scopes, roles)


# Which roles may perform which action in their own agency.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    AGENCY_ADMIN: frozenset({VIEW, CREATE, CHANGE, DELETE, MANAGE}),
    EDITOR: frozenset({VIEW, CREATE, CHANGE, DELETE}),
    VERIFIER: frozenset({VIEW, REVIEW, PUBLISH}),
    VIEWER: frozenset({VIEW}),
}


def roles_allowing(action: str) -> tuple[str, ...]:
    return tuple(role for role, actions in ROLE_ACTIONS.items() if action in actions)


@dataclass(frozen=True)
class Rule:
    """How the policy treats one model.

    ``agency_field`` is the lookup to the owning agency's id. ``public`` and
    ``shared`` are Q filters for rows anyone, or any authenticated principal,
    may view. ``write_scope`` is the scope an agency system needs to write.
    ``manage`` marks administrative records (members, keys): only agency admins
    see and change them. ``owner`` returns an object's agency id. ``personal``
    gives the rows a principal may view because they are about itself.
    """

    agency_field: str
    write_scope: str
    public: Q | None = None
    shared: Q | None = None
    manage: bool = False
    read_scope: str = "content:read"
    owner: Callable[[Any], int | None] | None = None
    personal: Callable[[Principal], Q] | None = None


_rules: dict[type[Model], Rule] = {}


def register(model: type[Model], rule: Rule) -> None:
    """Declare how the policy treats `model`. Called once per model at import time."""
    _rules[model] = rule


def rule_for(model: type[Model]) -> Rule:
    try:
        return _rules[model]
    except KeyError:
        raise LookupError(f"no access rule registered for {model.__name__}") from None


def _own_agencies(principal: Principal, rule: Rule, action: str) -> list[int]:
    """Agencies in which the principal may perform `action` on rows of this rule."""
    if rule.manage:
        needed: tuple[str, ...] = (AGENCY_ADMIN,)
        scope = "agency:admin"
    else:
        needed = roles_allowing(action)
        scope = rule.read_scope if action == VIEW else rule.write_scope
    if principal.scopes is not None and not principal.has_scope(scope):
        return []
    if action == REVIEW and principal.kind == "system":
        return []  # four eyes are two people's: a system drafts, submits, publishes; never approves
    return principal.agencies_with_role(*needed)


def visible_to(principal: Principal, queryset: QuerySet, action: str = VIEW) -> QuerySet:
    """Restrict `queryset` to the rows `principal` may perform `action` on."""
    rule = rule_for(queryset.model)
    if principal.is_platform_admin:
        return queryset
    condition = Q(**{f"{rule.agency_field}__in": _own_agencies(principal, rule, action)})
    if action == VIEW:
        if rule.public is not None:
            condition |= rule.public
        shared = rule.shared is not None and principal.is_authenticated
        if shared and principal.has_scope(rule.read_scope):
            condition |= rule.shared
        if principal.is_authenticated and rule.personal is not None:
            condition |= rule.personal(principal)
    return queryset.filter(condition)


def may(principal: Principal, action: str, model: type[Model], agency_id: int | None) -> bool:
    """May `principal` perform `action` on `model` rows owned by `agency_id`?"""
    if principal.is_platform_admin:
        return True
    return agency_id is not None and agency_id in _own_agencies(principal, rule_for(model), action)


def check(principal: Principal, action: str, obj: Model) -> None:
    """Raise unless `principal` may perform `action` on `obj`.

    An object the principal cannot even view answers NotFound (so its existence
    is not revealed); a visible object it may not change answers PermissionDenied.
    """
    require_authenticated(principal, allow_anonymous=action == VIEW)
    model = type(obj)
    rule = rule_for(model)
    if not visible_to(principal, model._default_manager.filter(pk=obj.pk)).exists():
        raise NotFound()
    if action == VIEW:
        return
    owner = rule.owner(obj) if rule.owner else _lookup(obj, rule.agency_field)
    if not may(principal, action, model, owner):
        if action == REVIEW and principal.kind == "system":
            raise PermissionDenied(
                "Persetujuan adalah tindakan seorang verifikator; sistem instansi tidak dapat "
                "menyetujui.",
                "Approving is a verifier's act: an agency system cannot approve.",
                code="person_required",
            )
        raise PermissionDenied()


def check_create(principal: Principal, model: type[Model], agency_id: int | None) -> None:
    """Raise unless `principal` may create `model` rows owned by `agency_id`."""
    require_authenticated(principal)
    if not may(principal, CREATE, model, agency_id):
        raise PermissionDenied()


def require_authenticated(principal: Principal, *, allow_anonymous: bool = False) -> None:
    if not allow_anonymous and not principal.is_authenticated:
        raise NotAuthenticated()


def require_platform_admin(principal: Principal) -> None:
    require_authenticated(principal)
    if not principal.is_platform_admin:
        raise PermissionDenied()


def _lookup(obj: Model, path: str) -> Any:
    value: Any = obj
    for part in path.split("__"):
        if part == "id" or part == "pk":
            value = value.pk
            continue
        attr = f"{part}_id" if hasattr(value, f"{part}_id") else part
        value = getattr(value, attr)
    return value


def principal_for_user(user) -> Principal:
    """The principal of a signed-in staff user (session or OIDC)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    from agencies.models import Membership

    roles: dict[int, set[str]] = {}
    rows = Membership.objects.filter(user=user, agency__status="active").values_list(
        "agency_id", "role"
    )
    for agency_id, role in rows:
        roles.setdefault(agency_id, set()).add(role)
    return Principal(
        kind="user",
        label=f"user:{user.pk}",
        user_id=user.pk,
        roles={agency: frozenset(held) for agency, held in roles.items()},
        is_platform_admin=user.is_superuser and user.is_active,
    )


def may_use_admin(user, principal: Principal | None = None) -> bool:
    """Whether a signed-in person may open the admin at all.

    Platform admins and the staff of an active agency (any role) may, and
    accounts Django marks as staff; what each sees and may change there is
    decided by this module, as for the API. `principal` is the user's, when the
    caller has it already.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    principal = principal or principal_for_user(user)
    return user.is_staff or principal.is_platform_admin or bool(principal.roles)


def may_name_as_member(principal: Principal, user) -> bool:
    """Whether `principal` may find `user` to give them a role in an agency.

    Platform admins may name anyone. An agency admin may name accounts that
    belong to no agency yet (new staff) and people of the agencies they
    administer; another agency's staff and platform admins are not theirs to
    find. Such a user is answered as unknown, so that trying ids one by one
    reads nothing of other agencies' people.
    """
    if principal.is_platform_admin:
        return True
    if user.is_superuser:
        return False
    from agencies.models import Membership

    theirs = set(principal.agencies_with_role("agency_admin"))
    held = set(Membership.objects.filter(user=user).values_list("agency_id", flat=True))
    return held <= theirs


def principal_for_system(*, agency_id: int, scopes, client_id: str) -> Principal:
    """The principal of an agency system. Its scopes cap what its agency's roles allow."""
    return Principal(
        kind="system",
        label=f"system:{client_id}",
        roles={agency_id: frozenset(ROLES)},
        scopes=frozenset(scopes),
        client_id=client_id,
    )
