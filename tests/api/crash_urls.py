"""A URL map for the test of unexpected failures: one REST view that always crashes."""

from django.urls import include, path
from rest_framework.decorators import api_view, authentication_classes, permission_classes


@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def crash(request):
    raise RuntimeError("unexpected")


urlpatterns = [path("crash/", crash), path("", include("hub.urls"))]

handler500 = "api.errors.handler500"
