"""The request's language: chosen like Django's LocaleMiddleware chooses it, and said back."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

DJANGO_LOCALE = [
    "django.middleware.locale.LocaleMiddleware" if name == "hub.locale.LocaleMiddleware" else name
    for name in settings.MIDDLEWARE
]

# (path, headers, cookies, expected language)
CASES = [
    ("/api/v1/regions/35/", {}, {}, "id"),
    ("/api/v1/regions/35/", {"HTTP_ACCEPT_LANGUAGE": "en"}, {}, "en"),
    ("/api/v1/regions/35/", {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9,id;q=0.8"}, {}, "en"),
    ("/api/v1/regions/35/", {"HTTP_ACCEPT_LANGUAGE": "fr, de;q=0.5"}, {}, "id"),
    ("/api/v1/regions/99.99/", {"HTTP_ACCEPT_LANGUAGE": "en"}, {}, "en"),
    ("/api/v1/regions/99.99/", {"HTTP_ACCEPT_LANGUAGE": "id-ID"}, {}, "id"),
    ("/api/v1/regions/35/", {}, {settings.LANGUAGE_COOKIE_NAME: "en"}, "en"),
    # Problem details speak the chosen language too: by preference, and by cookie.
    ("/api/v1/regions/99.99/", {"HTTP_ACCEPT_LANGUAGE": "id;q=0.5, en;q=0.9"}, {}, "en"),
    ("/api/v1/regions/99.99/", {}, {settings.LANGUAGE_COOKIE_NAME: "en"}, "en"),
    ("/nowhere", {"HTTP_ACCEPT_LANGUAGE": "en"}, {}, "en"),
    ("/healthz", {"HTTP_ACCEPT_LANGUAGE": "en"}, {}, "en"),
]


def _get(path, headers, cookies):
    client = Client()
    client.cookies.load(cookies)
    return client.get(path, **headers)


@pytest.mark.parametrize(("path", "headers", "cookies", "language"), CASES)
def test_language_is_chosen_and_said_as_django_does(path, headers, cookies, language):
    hub = _get(path, headers, cookies)
    with override_settings(MIDDLEWARE=DJANGO_LOCALE):
        django = _get(path, headers, cookies)
    assert hub.status_code == django.status_code
    assert hub["Content-Language"] == django["Content-Language"] == language
    assert "Accept-Language" in hub["Vary"]
    assert hub["Vary"] == django["Vary"]
    assert hub.content == django.content
    if hub.status_code == 404:
        detail = hub.json()["detail"]
        assert ("not" in detail.lower()) is (language == "en"), detail


def test_request_id_is_echoed_when_well_formed_and_made_otherwise():
    client = Client()
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.X_y")["X-Request-ID"] == "abc-123.X_y"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id; drop")["X-Request-ID"]
    assert made != "bad id; drop" and len(made) == 32
    assert client.get("/healthz")["X-Request-ID"] != made
