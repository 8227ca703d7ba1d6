from django.apps import AppConfig


class MediaStoreConfig(AppConfig):
    name = "media_store"
    verbose_name = "Media store"
    default_auto_field = "django.db.models.BigAutoField"
