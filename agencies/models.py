"""Regions (kode wilayah), agencies, staff memberships and agency API keys."""

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


class Agency(models.Model):
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


class Membership(models.Model):
    """A staff user's role in one agency. Platform admins are Django superusers instead."""

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
