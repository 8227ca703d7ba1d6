"""Django admin for the short-code allow-list, maintained by platform admins.

Rows and permissions come from the access policy and writes go through the
services, as in the rest of the admin: the admin can never do what the API refuses.
"""

from django import forms
from django.contrib import admin

from agencies.admin import PolicyAdmin, principal_of
from agencies.contacts.models import ShortCode
from agencies.contacts.services import shortcode_create, shortcode_delete, shortcode_errors
from hub.locale import active_language


class ShortCodeForm(forms.ModelForm):
    """Checked by the same rule as the API."""

    def clean(self):
        cleaned = super().clean()
        for item in shortcode_errors(cleaned.get("code"), cleaned.get("description")):
            message = item.as_dict(active_language())["message"]
            self.add_error(item.field if item.field in self.fields else None, message)
        return cleaned

    class Meta:
        model = ShortCode
        fields = ["code", "description"]


@admin.register(ShortCode)
class ShortCodeAdmin(PolicyAdmin):
    form = ShortCodeForm
    list_display = ("code", "description", "created_at")
    search_fields = ("code", "description")
    actions = ["remove"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not principal_of(request).is_platform_admin:
            actions.pop("remove", None)  # the allow-list is the platform admins'
        return actions

    def has_change_permission(self, request, obj=None):
        # A stored code is removed and added again, never renumbered in place.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = shortcode_create(
            principal=principal_of(request), code=obj.code, description=obj.description
        )
        obj.pk, obj.created_at = created.pk, created.created_at

    @admin.action(description="Hapus nomor singkat terpilih (remove)")
    def remove(self, request, queryset):
        rows = list(queryset)
        for row in rows:
            shortcode_delete(principal=principal_of(request), short_code=row)
        self.message_user(request, f"{len(rows)} nomor singkat dihapus.")
