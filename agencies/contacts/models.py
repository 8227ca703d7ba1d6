"""The contact directory: offices, posts (jabatan), the people holding them, contact points.

Contacts attach to an agency, one of its offices or one of its posts, never to
a person: when the holder of "PPID Utama" changes, the PPID's number stays.
A person's own number is the exception, marked ``is_personal`` and tied to the
person, so that it leaves with them (and with ``pdp-erase``).
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from agencies.contact_values import CHANNELS
from agencies.models import Agency, Region


class ShortCode(models.Model):
    """An official national short code (nomor layanan singkat) a voice contact may use.

    The allow-list is maintained by platform admins; a contact's short code must
    be on it when the contact is written. Seeded with the defaults of
    ``agencies.contact_values.DEFAULT_SHORT_CODES``.
    """

    code = models.CharField(max_length=6, unique=True)
    description = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Office(models.Model):
    """A physical office of an agency: address, kode wilayah, optional coordinates and hours.

    ``opening_hours`` uses the OpenStreetMap syntax (``Mo-Fr 08:00-16:00``,
    ``24/7``). Coordinates are both set or both empty. ``external_id`` is the
    agency's own stable key for it, unique within the agency when given.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="offices")
    external_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    address = models.TextField()
    postal_code = models.CharField(max_length=5, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="offices")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~Q(external_id=""),
                name="office_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="office_coordinates_together",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person holding a post, recorded by the agency employing them. Minimal by design.

    Name, honorific and photo are personal data: outside the agency they are
    shown only once the person's consent to publication is recorded
    (``consent_at``). The hub never stores national ID numbers. ``photo_asset``
    is the id of a media-store asset, kept as text so the directory does not
    depend on the media store's key type.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(max_length=200)
    honorific = models.CharField(max_length=100, blank=True, help_text="e.g. Drs., S.Kom., Ir.")
    photo_asset = models.CharField(max_length=64, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_note = models.CharField(
        max_length=500, blank=True, help_text="how consent was given, e.g. form number"
    )
    consent_recorded_by = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency_id", "id"]
        verbose_name_plural = "persons"

    def __str__(self) -> str:
        return f"person #{self.pk}"


class Post(models.Model):
    """A position (jabatan) in an agency, e.g. "PPID Utama" or "Kepala Pelaksana BPBD".

    Every agency's PPID (UU 14/2008) and data protection officer (UU 27/2022
    Pasal 53) are posts with role ``ppid`` and ``dpo``. ``holder`` is the
    current holder, if known; ``start_date``/``end_date`` are their tenure.
    """

    class Role(models.TextChoices):
        HEAD = "head", "Pimpinan"
        PPID = "ppid", "PPID"
        HUMAS = "humas", "Humas"
        PUSDALOPS = "pusdalops", "Pusdalops"
        CALL_CENTER = "call_center", "Call center"
        DPO = "dpo", "Pejabat pelindungan data pribadi"
        OTHER = "other", "Lainnya"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    holder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency_id", "label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~Q(external_id=""),
                name="post_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="post_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["role"], name="post_role_idx")]

    def __str__(self) -> str:
        return self.label


class ContactPoint(models.Model):
    """One way to reach an agency, one of its offices or one of its posts.

    ``value`` is what the editor wrote, ``normalized`` the canonical form
    (E.164 or short-code digits, bare e-mail, https URL, social handle) and
    ``display`` how people read it. Guarantees kept by the services:

    * ``agency`` is always the owner, also when the contact hangs on an office
      or a post of that agency (never both);
    * a personal contact names its ``person`` and a legal basis and purpose
      (UU PDP Pasal 20), and is never shown outside its agency;
    * ``external_id``, when set, is unique within the agency (import key);
    * ``last_verified_at``/``by`` say who last confirmed that it works.
    """

    class Purpose(models.TextChoices):
        GENERAL = "general", "Umum"
        HOTLINE = "hotline", "Hotline"
        EMERGENCY = "emergency", "Darurat"
        PPID = "ppid", "Layanan informasi publik (PPID)"
        PENGADUAN = "pengaduan", "Pengaduan"
        MEDIA = "media", "Media"
        CALL_CENTER = "call_center", "Call center"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Publik"
        AGENCIES = "agencies", "Antarinstansi"
        INTERNAL = "internal", "Internal"

    class LegalBasis(models.TextChoices):
        # UU 27/2022 Pasal 20 ayat (2)
        CONSENT = "consent", "Persetujuan"
        CONTRACT = "contract", "Perjanjian"
        LEGAL_OBLIGATION = "legal_obligation", "Kewajiban hukum"
        VITAL_INTEREST = "vital_interest", "Kepentingan vital"
        PUBLIC_TASK = "public_task", "Tugas kepentingan umum"
        LEGITIMATE_INTEREST = "legitimate_interest", "Kepentingan yang sah"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="contact_points")
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_points"
    )
    external_id = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=12, choices=[(c, c) for c in CHANNELS])
    value = models.CharField(max_length=500)
    normalized = models.CharField(max_length=500)
    display = models.CharField(max_length=500)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.GENERAL)
    label = models.CharField(max_length=200, blank=True)
    availability = models.CharField(
        max_length=255, blank=True, help_text="OpenStreetMap opening_hours, e.g. 24/7"
    )
    languages = ArrayField(models.CharField(max_length=35), default=list, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_personal = models.BooleanField(default=False)
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices, blank=True)
    personal_purpose = models.CharField(max_length=300, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_through = models.DateField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)
    warnings = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~Q(external_id=""),
                name="contact_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["agency", "office", "post", "person", "channel", "normalized"],
                nulls_distinct=False,
                name="contact_unique_value",
            ),
            models.CheckConstraint(
                condition=Q(office__isnull=True) | Q(post__isnull=True),
                name="contact_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(is_personal=False) | (Q(person__isnull=False) & ~Q(legal_basis="")),
                name="contact_personal_has_basis",
            ),
            models.CheckConstraint(
                condition=Q(valid_through__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_through__gte=models.F("valid_from")),
                name="contact_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "purpose"], name="contact_agency_purpose_idx"),
            models.Index(fields=["purpose", "visibility"], name="contact_purpose_vis_idx"),
            models.Index(fields=["last_verified_at"], name="contact_verified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.display}"
