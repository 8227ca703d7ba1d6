"""URL routes of the REST API (/api/v1/), its schema and docs, and GraphQL."""

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from api.graphql.view import HubGraphQLView
from api.rest.agencies import AgencyViewSet, ApiKeyViewSet, MembershipViewSet, RegionViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
    path("graphql", csrf_exempt(HubGraphQLView.as_view(graphiql=True)), name="graphql"),
]
