"""Read-only admin views of the audit log and the change feed (platform admins only)."""

from django.contrib import admin

from hub.models import AuditEntry, ChangeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor", "action", "entity", "entity_id", "ip", "request_id")
    list_filter = ("action", "entity")
    search_fields = ("actor", "entity_id", "request_id", "action")
    date_hierarchy = "at"


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "txid", "at", "entity", "entity_id", "version", "action")
    list_filter = ("entity", "action")
    search_fields = ("entity_id",)
