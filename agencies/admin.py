"""Django admin for regions, agencies, memberships, API keys and API clients.

Lists are scoped by the same policy as the API (`policy.visible_to`), and writes
go through the same services, so the admin can never do what the API refuses.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import models
from django.db.models import Case, Q, Value, When
from django.http import HttpResponseRedirect

from agencies import policy
from agencies.identity.admin_site import admitted, principal_of
from agencies.models import Agency, ApiClient, ApiKey, Membership, Region
from agencies.services import (
    agency_create,
    agency_update,
    agency_validate,
    apiclient_create,
    apiclient_revoke,
    apiclient_rotate,
    apikey_create,
    apikey_revoke,
    membership_create,
    membership_delete,
    membership_exists,
)
from agencies.tasks import agency_schedule, client_schedule, membership_schedule
from hub.errors import HubError
from hub.errors import PermissionDenied as Refused
from hub.locale import active_language


class PolicyAdmin(admin.ModelAdmin):
    """Rows and permissions come from the access policy, not Django's model permissions."""

    # A web address typed without a scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return policy.visible_to(principal_of(request), super().get_queryset(request))

    def has_module_permission(self, request):
        return admitted(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        try:
            policy.check(principal_of(request), policy.CHANGE, obj)
        except HubError:
            return False
        return True

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A record is added for an agency the person administers (platform admins: any).
        principal = principal_of(request)
        if db_field.name == "agency" and not principal.is_platform_admin:
            kwargs["queryset"] = Agency.objects.filter(
                pk__in=principal.agencies_with_role(policy.AGENCY_ADMIN)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service refusing a valid form (a rule the form cannot check: Keycloak not
        configured, a change made meanwhile) comes back to the page as an error message
        naming the fields, not as the API's problem document; nothing of it was saved."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except HubError as error:
            self.message_user(request, _refusal(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        """A list action the policy refuses (a viewer's resync, a short code not theirs)
        answers on the list as a message, never a 500 or a problem document."""
        try:
            return super().response_action(request, queryset)
        except (HubError, PermissionDenied) as error:
            refusal = error if isinstance(error, HubError) else Refused()
            self.message_user(request, _refusal(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not principal_of(request).is_platform_admin:
            actions.pop("resync", None)  # Keycloak repairs are the platform admins'
        return actions


def _refusal(error: HubError) -> str:
    """A service's refusal for the admin page: its message, then each field's."""
    lang = active_language()
    fields = [f"{item.field}: {item.as_dict(lang)['message']}" for item in error.errors]
    return " ".join([error.message(lang), *fields])


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "level", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    readonly_fields = ("code", "name", "level", "kind", "parent")
    list_select_related = ("parent",)
    show_full_result_count = False

    # Public reference data: every admin user may look codes up, as the agency form's
    # region search (autocomplete) does for an agency admin.
    def has_module_permission(self, request):
        return admitted(request)

    def get_search_results(self, request, queryset, search_term):
        # "malang" finds Kabupaten and Kota Malang (a word of the name) before Pemalang and
        # the villages whose name holds it: word matches first, larger regions first.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            word = Q(name__iregex=rf"\m{re.escape(term)}")
            rank = Case(When(word, then=Value(0)), default=Value(1))
            found = found.order_by(rank, "level", "code")
        return found, duplicates

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _service_data(form) -> dict:
    """The changed form fields as the agency services expect them."""
    data = {name: form.cleaned_data.get(name) for name in form.changed_data}
    if data.get("parent") is not None:
        data["parent"] = data["parent"].slug
    if data.get("region") is not None:
        data["region"] = data["region"].code
    return data


def https_formfield(db_field, **kwargs):
    """Form fields as Django makes them, a web address without a scheme read as https."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class AgencyForm(forms.ModelForm):
    """Validated by the same rules as the API (region level, domains, slug…)."""

    def clean(self):
        cleaned = super().clean()
        try:
            agency_validate(_service_data(self), self.instance if self.instance.pk else None)
        except HubError as error:
            for item in error.errors:
                target = item.field if item.field in self.fields else None
                self.add_error(target, item.as_dict(active_language())["message"])
        return cleaned

    class Meta:
        model = Agency
        formfield_callback = https_formfield
        fields = [
            "name",
            "acronym",
            "slug",
            "type",
            "parent",
            "region",
            "official_domains",
            "website",
            "status",
            "identifiers",
        ]


SYNC_FIELDS = ("sync_state", "sync_error", "synced_at")


@admin.register(Agency)
class AgencyAdmin(PolicyAdmin):
    form = AgencyForm
    list_display = ("name", "acronym", "slug", "type", "region", "status", "sync_state")
    list_filter = ("type", "status", "sync_state")
    search_fields = ("name", "acronym", "slug", "official_domains")
    autocomplete_fields = ("parent", "region")
    list_select_related = ("region",)
    readonly_fields = ("version", "created_at", "updated_at", *SYNC_FIELDS)
    actions = ["resync"]

    @admin.action(description="Sinkronkan ulang ke Keycloak (resync)")
    def resync(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied()
        for agency in queryset:
            agency_schedule(agency)
        self.message_user(request, f"{queryset.count()} instansi dijadwalkan untuk sinkronisasi.")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        data = _service_data(form)
        if change:
            saved = agency_update(
                principal=principal_of(request), agency=Agency.objects.get(pk=obj.pk), data=data
            )
        else:
            saved = agency_create(principal=principal_of(request), data=data)
        obj.pk = saved.pk


class MembershipForm(forms.ModelForm):
    """A role held already is named as the service names it (``membership_exists``):
    Django's own Indonesian text for the clash reads "… tidak ada" ("does not exist")."""

    def _post_clean(self):
        super()._post_clean()
        clashes = self._errors.get(NON_FIELD_ERRORS)
        codes = {error.code for error in clashes.as_data()} if clashes else set()
        if codes & {"unique", "unique_together"}:
            message = membership_exists().message(active_language())
            self._errors[NON_FIELD_ERRORS] = self.error_class([message])

    class Meta:
        model = Membership
        fields = ["user", "agency", "role"]


@admin.register(Membership)
class MembershipAdmin(PolicyAdmin):
    list_display = ("user", "agency", "role", "created_at", "sync_state")
    list_filter = ("role", "agency__type", "sync_state")
    search_fields = ("user__username", "user__email", "agency__name", "agency__slug")
    autocomplete_fields = ("agency",)
    raw_id_fields = ("user",)
    list_select_related = ("user", "agency")
    readonly_fields = ("version", *SYNC_FIELDS)
    actions = ["resync"]

    form = MembershipForm

    def get_readonly_fields(self, request, obj=None):
        # A role is given or taken away, never edited: to change it, add the new
        # role and remove the old one (each through its service, each audited).
        if obj is not None:
            return ("user", "agency", "role", "created_at", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return bool(principal_of(request).agencies_with_role(policy.AGENCY_ADMIN)) or (
                principal_of(request).is_platform_admin
            )
        try:
            policy.check(principal_of(request), policy.DELETE, obj)
        except HubError:
            return False
        return True

    def delete_model(self, request, obj):
        membership_delete(principal=principal_of(request), membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            membership_delete(principal=principal_of(request), membership=membership)

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = membership_create(
            principal=principal_of(request),
            agency=form.cleaned_data["agency"],
            user_id=form.cleaned_data["user"].pk,
            role=form.cleaned_data["role"],
        )
        obj.pk = saved.pk

    @admin.action(description="Sinkronkan ulang ke Keycloak (resync)")
    def resync(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied()
        for user_id, agency_id in set(queryset.values_list("user_id", "agency_id")):
            membership_schedule(user_id=user_id, agency_id=agency_id)
        self.message_user(request, f"{queryset.count()} peran dijadwalkan untuk sinkronisasi.")

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(
            principal_of(request).agencies_with_role(policy.AGENCY_ADMIN)
        )


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in policy.SCOPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["agency", "name", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(PolicyAdmin):
    """Keys are issued here through the same service as the API; the secret shows once."""

    form = ApiKeyForm
    list_display = ("prefix", "name", "agency", "created_at", "expires_at", "revoked_at")
    list_filter = ("agency",)
    search_fields = ("prefix", "name", "agency__slug")
    list_select_related = ("agency",)
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at", "created_by")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(
            principal_of(request).agencies_with_role(policy.AGENCY_ADMIN)
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name", "scopes", "expires_at"]
        return ["agency", "name", "scopes", *self.readonly_fields, "expires_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("agency", "name", "scopes", *self.readonly_fields, "expires_at")

    def save_model(self, request, obj, form, change):
        if change:
            return
        key, secret = apikey_create(
            principal=principal_of(request),
            agency=form.cleaned_data["agency"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = key.pk
        self.message_user(
            request,
            f"Kunci API (ditampilkan sekali, simpan sekarang / shown once): {secret}",
            messages.WARNING,
        )

    @admin.action(description="Cabut kunci terpilih (revoke)")
    def revoke(self, request, queryset):
        for key in queryset:
            apikey_revoke(principal=principal_of(request), key=key)
        self.message_user(request, f"{queryset.count()} kunci dicabut.")


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in policy.SCOPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ["agency", "name", "scopes"]


@admin.register(ApiClient)
class ApiClientAdmin(PolicyAdmin):
    """Keycloak clients of agency systems, through the same services as the API.

    The secret shows once, after creating or rotating; ``sync_state`` says whether
    Keycloak has applied the latest change.
    """

    form = ApiClientForm
    list_display = ("oauth_client", "name", "agency", "sync_state", "created_at", "revoked_at")
    list_filter = ("sync_state", "agency")
    search_fields = ("oauth_client", "name", "agency__slug")
    list_select_related = ("agency",)
    readonly_fields = (
        "oauth_client",
        "created_at",
        "rotated_at",
        "revoked_at",
        "last_used_at",
        "created_by",
        *SYNC_FIELDS,
    )
    actions = ["rotate", "revoke", "resync"]

    def has_add_permission(self, request):
        return request.user.is_superuser or bool(
            principal_of(request).agencies_with_role(policy.AGENCY_ADMIN)
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["agency", "name", "scopes"]
        return ["agency", "name", "scopes", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("agency", "name", "scopes", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            return
        record, secret = apiclient_create(
            principal=principal_of(request),
            agency=form.cleaned_data["agency"],
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
        )
        obj.pk = record.pk
        self._show_secret(request, record, secret)

    def _show_secret(self, request, record: ApiClient, secret: str) -> None:
        self.message_user(
            request,
            f"Klien {record.oauth_client}: rahasia (ditampilkan sekali, simpan sekarang / "
            f"shown once): {secret}",
            messages.WARNING,
        )

    @admin.action(description="Ganti rahasia klien terpilih (rotate)")
    def rotate(self, request, queryset):
        for record in queryset:
            try:
                record, secret = apiclient_rotate(principal=principal_of(request), record=record)
            except HubError as error:
                self.message_user(request, f"{record}: {error.message_id}", messages.ERROR)
                continue
            self._show_secret(request, record, secret)

    @admin.action(description="Cabut klien terpilih (revoke)")
    def revoke(self, request, queryset):
        for record in queryset:
            apiclient_revoke(principal=principal_of(request), record=record)
        self.message_user(request, f"{queryset.count()} klien dicabut.")

    @admin.action(description="Sinkronkan ulang ke Keycloak (resync)")
    def resync(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied()
        for record in queryset:
            client_schedule(record)
        self.message_user(request, f"{queryset.count()} klien dijadwalkan untuk sinkronisasi.")
