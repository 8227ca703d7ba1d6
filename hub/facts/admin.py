"""Admin: the verdict vocabulary's labels are edited here; its codes never change."""

from django.contrib import admin

from hub.facts.models import Verdict


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ("code", "title_prefix", "label", "label_en", "rating", "alternate_name")
    ordering = ("position", "code")

    def get_readonly_fields(self, request, obj=None):
        # Codes are part of the API and of signed documents: fixed once created.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False
