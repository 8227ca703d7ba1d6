from django.apps import AppConfig


class MediaStoreConfig(AppConfig):
    name = "media_store"
    verbose_name = "Media store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import pi_heif

        from hub import health
        from hub.demo import DEMO_STEPS
        from media_store.demo import demo_media
        from media_store.rules import register_rules
        from media_store.storage import check_storage

        register_rules()
        pi_heif.register_heif_opener()  # HEIC/HEIF photos open in Pillow (decoding only)
        health.register("object_storage", check_storage, required=True)
        if demo_media not in DEMO_STEPS:
            DEMO_STEPS.append(demo_media)

    def warm_up(self) -> None:
        """Build the storage client before the first upload (importing it takes ~0.3 s)."""
        from media_store.storage import get_storage

        get_storage()
