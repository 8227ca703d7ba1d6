"""How the access policy treats the facts app's models (registered at start-up).

Drafts are seen only by their agency; published content by every authenticated
agency; public content by anyone. Withdrawn clarifications and bulletins stay
visible to whoever could read them, so they resolve as tombstones instead of
vanishing. Agency systems write clarifications with ``facts:write`` and issue
bulletins with ``bulletins:issue``.
"""

from __future__ import annotations

from django.db.models import Q

from agencies import policy
from hub.facts.models import (
    BULLETIN_PUBLISHED,
    CLARIFICATION_PUBLISHED,
    Bulletin,
    Claim,
    ClaimAppearance,
    Clarification,
    ClarificationVersion,
)
from hub.facts.vocab import Scope

FACTS_WRITE = "facts:write"
BULLETINS_ISSUE = "bulletins:issue"

CLARIFICATION_RESOLVABLE = (*CLARIFICATION_PUBLISHED, Clarification.Status.WITHDRAWN)
BULLETIN_RESOLVABLE = (*BULLETIN_PUBLISHED, Bulletin.Status.WITHDRAWN)
VERSION_PUBLISHED = (
    ClarificationVersion.State.PUBLISHED,
    ClarificationVersion.State.SUPERSEDED,
)


def register_rules() -> None:
    policy.register(
        Claim,
        policy.Rule(
            agency_field="agency_id",
            write_scope=FACTS_WRITE,
            public=Q(is_public=True),
            shared=Q(is_shared=True),
        ),
    )
    policy.register(
        ClaimAppearance,
        policy.Rule(
            agency_field="claim__agency_id",
            write_scope=FACTS_WRITE,
            public=Q(claim__is_public=True),
            shared=Q(claim__is_shared=True),
            owner=lambda appearance: appearance.claim.agency_id,
        ),
    )
    policy.register(
        Clarification,
        policy.Rule(
            agency_field="agency_id",
            write_scope=FACTS_WRITE,
            public=Q(status__in=CLARIFICATION_RESOLVABLE, is_public=True),
            shared=Q(status__in=CLARIFICATION_RESOLVABLE),
        ),
    )
    policy.register(
        ClarificationVersion,
        policy.Rule(
            agency_field="clarification__agency_id",
            write_scope=FACTS_WRITE,
            public=Q(
                state__in=VERSION_PUBLISHED,
                clarification__status__in=CLARIFICATION_PUBLISHED,
                clarification__is_public=True,
            ),
            shared=Q(
                state__in=VERSION_PUBLISHED,
                clarification__status__in=CLARIFICATION_PUBLISHED,
            ),
            owner=lambda version: version.clarification.agency_id,
        ),
    )
    policy.register(
        Bulletin,
        policy.Rule(
            agency_field="agency_id",
            write_scope=BULLETINS_ISSUE,
            public=Q(status__in=BULLETIN_RESOLVABLE, scope=Scope.PUBLIC),
            shared=Q(status__in=BULLETIN_RESOLVABLE, scope__in=[Scope.PUBLIC, Scope.RESTRICTED]),
        ),
    )
