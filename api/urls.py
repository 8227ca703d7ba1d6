"""URL routes of the REST API (/api/v1/), its schema and docs, and GraphQL."""

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api.graphql.view import HubGraphQLView
from api.rest.agencies import (
    AgencyViewSet,
    ApiClientViewSet,
    ApiKeyViewSet,
    MembershipViewSet,
    MeViewSet,
    RegionViewSet,
)
from api.rest.contacts import (
    ContactPointViewSet,
    DirectoryViewSet,
    HotlineViewSet,
    OfficeViewSet,
    PersonViewSet,
    PostViewSet,
    ShortCodeViewSet,
)
from api.rest.facts import (
    BulletinViewSet,
    ClaimViewSet,
    ClarificationViewSet,
    SearchViewSet,
    VerifyViewSet,
    cap_alert,
    cap_feed,
    clarifications_feed,
    jwks,
)
from api.rest.index import ApiIndexViewSet, front_page, resource_lists
from api.rest.media import (
    MediaAssetViewSet,
    MediaCollectionViewSet,
    MediaUploadViewSet,
    media_public_file,
    media_signed_file,
)

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("api-clients", ApiClientViewSet, basename="api-client")
router.register("short-codes", ShortCodeViewSet, basename="short-code")
router.register("offices", OfficeViewSet, basename="office")
router.register("posts", PostViewSet, basename="post")
router.register("persons", PersonViewSet, basename="person")
router.register("contacts", ContactPointViewSet, basename="contact")
router.register("directory", DirectoryViewSet, basename="directory")
router.register("media/uploads", MediaUploadViewSet, basename="media-upload")
router.register("media-collections", MediaCollectionViewSet, basename="media-collection")
router.register("media", MediaAssetViewSet, basename="media")
router.register("claims", ClaimViewSet, basename="claim")
router.register("clarifications", ClarificationViewSet, basename="clarification")
router.register("bulletins", BulletinViewSet, basename="bulletin")

urlpatterns = [
    path("", front_page, name="front-page"),
    path(
        "api/v1/",
        ApiIndexViewSet.as_view({"get": "retrieve"}, resources=resource_lists(router.registry)),
        name="api-index",
    ),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
    path("api/v1/hotlines", HotlineViewSet.as_view({"get": "list"}), name="hotlines"),
    path("media/p/<int:asset_id>/<str:variant>", media_public_file, name="media-public"),
    path("media/s/<str:token>", media_signed_file, name="media-signed"),
    path("api/v1/claims/lookup", ClaimViewSet.as_view({"get": "lookup"}), name="claim-lookup"),
    path("api/v1/me", MeViewSet.as_view({"get": "retrieve"}), name="me"),
    path("api/v1/search", SearchViewSet.as_view({"get": "list"}), name="search"),
    path("api/v1/verify", VerifyViewSet.as_view({"post": "create"}), name="verify"),
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("feeds/clarifications.atom", clarifications_feed, name="clarifications-feed"),
    path("cap/feed.atom", cap_feed, name="cap-feed"),
    path("cap/alerts/<str:identifier>.xml", cap_alert, name="cap-alert"),
    path("graphql", csrf_exempt(HubGraphQLView.as_view(graphiql=True)), name="graphql"),
]
