"""Regions (kode wilayah), agencies, staff memberships, agency API keys and API clients."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper


def search_key(text: str) -> str:
    """Lower-case, accent-free form of a name, used for tolerant name search."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


class Region(models.Model):
    """An official administrative region, addressed by its dotted kode wilayah.

    Descendants of a code are the rows whose code starts with ``<code>.``; the
    primary key's ``varchar_pattern_ops`` index (which Django creates for text
    primary keys) makes that prefix query index-backed.
    """

    class Kind(models.TextChoices):
        PROVINSI = "provinsi", "Provinsi"
        KABUPATEN = "kabupaten", "Kabupaten"
        KOTA = "kota", "Kota"
        KECAMATAN = "kecamatan", "Kecamatan"
        KELURAHAN = "kelurahan", "Kelurahan"
        DESA = "desa", "Desa"
        DESA_ADAT = "desa_adat", "Desa adat"

    code = models.CharField(max_length=13, primary_key=True)
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    level = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        indexes = [
            GinIndex(OpClass("name_key", name="gin_trgm_ops"), name="region_name_trgm_idx"),
            models.Index(fields=["level"], name="region_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @staticmethod
    def kind_for(code: str) -> str:
        """The region kind implied by a code's shape (Kepmendagri numbering)."""
        parts = code.split(".")
        if len(parts) == 1:
            return Region.Kind.PROVINSI
        if len(parts) == 2:
            return Region.Kind.KOTA if parts[1].startswith("7") else Region.Kind.KABUPATEN
        if len(parts) == 3:
            return Region.Kind.KECAMATAN
        return {"1": Region.Kind.KELURAHAN, "3": Region.Kind.DESA_ADAT}.get(
            parts[3][:1], Region.Kind.DESA
        )

    @staticmethod
    def ancestor_codes(code: str) -> list[str]:
        """Codes of every ancestor, nearest last (``35.07.01`` → ``["35", "35.07"]``)."""
        parts = code.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts))]


class SyncState(models.TextChoices):
    PENDING = "pending", "Menunggu sinkronisasi"
    SYNCED = "synced", "Tersinkron"
    FAILED = "failed", "Gagal"


class KeycloakSynced(models.Model):
    """Where a record stands in Keycloak. The hub is the source; Keycloak follows it.

    ``pending`` from the write that changed it until a provisioning job has applied
    it, ``synced`` after, ``failed`` while Keycloak refuses or is unreachable (the job
    is retried). ``sync_error`` says what went wrong last, including problems that do
    not fail the sync (an invitation e-mail that could not be sent).
    """

    sync_state = models.CharField(
        max_length=10, choices=SyncState.choices, default=SyncState.PENDING, editable=False
    )
    sync_error = models.TextField(blank=True, editable=False)
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Agency(KeycloakSynced):
    """A government agency: the unit that owns content, staff and API clients.

    Regional agencies (provincial and local governments, their offices, districts
    and villages) are tied to the region they govern, at the matching level.
    ``version`` increases on every change; it backs ETags and ``If-Match``.
    """

    class Type(models.TextChoices):
        KEMENTERIAN = "kementerian", "Kementerian"
        LPNK = "lpnk", "Lembaga Pemerintah Non-Kementerian"
        LNS = "lns", "Lembaga Non-Struktural"
        PEMPROV = "pemprov", "Pemerintah Provinsi"
        PEMKAB = "pemkab", "Pemerintah Kabupaten"
        PEMKOT = "pemkot", "Pemerintah Kota"
        PERANGKAT_DAERAH = "perangkat_daerah", "Perangkat Daerah"
        KECAMATAN = "kecamatan", "Kecamatan"
        DESA = "desa", "Pemerintah Desa"
        KELURAHAN = "kelurahan", "Kelurahan"
        OTHER = "other", "Lainnya"

    class Status(models.TextChoices):
        ACTIVE = "active", "Aktif"
        SUSPENDED = "suspended", "Ditangguhkan"

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=40, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    type = models.CharField(max_length=20, choices=Type.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    official_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    identifiers = models.JSONField(
        default=list, blank=True, help_text='[{"scheme": "kemendagri", "value": "35.07"}]'
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        indexes = [models.Index(Upper("name"), name="agency_name_upper_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Membership(KeycloakSynced):
    """A staff user's role in one agency. Platform admins are Django superusers instead.

    With Keycloak, the role is mirrored as membership of ``/agencies/<slug>/<role>``.
    """

    class Role(models.TextChoices):
        AGENCY_ADMIN = "agency_admin", "Admin instansi"
        EDITOR = "editor", "Editor"
        VERIFIER = "verifier", "Verifikator"
        VIEWER = "viewer", "Pembaca"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency_id", "user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} @ {self.agency}"


class ApiKey(models.Model):
    """A hub API key for one agency system (the embedded default's machine credential).

    The secret is shown once at creation; only its SHA-256 is stored (keys carry
    256 bits of entropy, so a slow hash adds nothing). ``prefix`` identifies a key
    in logs and listings without revealing it.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class ApiClient(KeycloakSynced):
    """An agency system's Keycloak client: confidential, with a service account.

    The system gets tokens with the client-credentials grant as ``oauth_client``; the
    token maps to this record and so to the agency. The token's ``simpul-api`` roles
    count only where they are also in ``scopes``. Revoking the record, or suspending
    its agency, refuses the next request at once, whatever Keycloak still says.

    The hub never keeps a secret in plain text: a new secret waits in
    ``pending_secret``, encrypted with a key derived from the hub's secret key, only
    until the provisioning job has set it in Keycloak, and is then erased.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_clients")
    name = models.CharField(max_length=100)
    oauth_client = models.CharField(
        max_length=100, unique=True, help_text="the OAuth client id the system signs in as"
    )
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    pending_secret = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API client"

    def __str__(self) -> str:
        return f"{self.oauth_client} ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class StaffIdentity(models.Model):
    """The link between a hub user and their Keycloak account (the OIDC ``sub``).

    Made when the hub provisions the account, or at the first SSO login of an
    existing user whose verified e-mail matches. One account per user, one user per
    account; the link decides who signs in, never which agencies they work for.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="keycloak_identity"
    )
    subject = models.CharField(max_length=64, unique=True)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "staff identity"
        verbose_name_plural = "staff identities"

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.subject}"
