"""Media assets, their renditions, the content-addressed blobs behind them, and uploads."""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q

from agencies.models import Agency


class Blob(models.Model):
    """One stored object, addressed by the SHA-256 of its bytes.

    Identical bytes are stored once across the hub, whichever agencies upload
    them. ``key`` is the content address, derived from ``role`` and ``sha256``
    (see ``media_store.storage``); the row is also the lock that serialises
    "store these bytes" against "collect this blob" (``SELECT … FOR UPDATE``).
    ``location`` is where the object physically is: the content address
    itself, or — for originals in object storage, which are kept where their
    upload completed instead of being copied — ``uploads/<id>``. A blob exists
    while an asset or rendition refers to it.
    """

    class Role(models.TextChoices):
        ORIGINAL = "original", "Original"
        RENDITION = "rendition", "Rendition"

    key = models.CharField(max_length=200, primary_key=True)
    location = models.CharField(max_length=200, unique=True, help_text="the object's storage key")
    role = models.CharField(max_length=10, choices=Role.choices)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    mime = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True, help_text="last scrub that read it")

    class Meta:
        indexes = [models.Index(fields=["sha256"], name="blob_sha256_idx")]

    def __str__(self) -> str:
        return self.key


class Collection(models.Model):
    """An album of one agency's assets. Only that agency's assets can be in it."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Publik"
        AGENCIES = "agencies", "Semua instansi"
        AGENCY = "agency", "Instansi sendiri"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="media_collections")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.AGENCY
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class LiveAssetManager(models.Manager):
    """Assets that have not been deleted: what every reader and the policy see."""

    def get_queryset(self):
        return super().get_queryset().exclude(status=MediaAsset.Status.DELETED)


class MediaAsset(models.Model):
    """A media file an agency shares, with its descriptive and legal metadata.

    The bytes live in a content-addressed :class:`Blob` (``sha256``); the MIME
    type and ``kind`` come from sniffing those bytes, never from the client.
    The original stays private to the owning agency; other agencies and the
    public get the metadata-free renditions, and only once the asset is
    published, ready, visible to them and past its embargo. An asset showing
    identifiable people or minors can be published only with a recorded legal
    basis (UU No. 27/2022 on personal data protection). Deleting an asset marks
    it deleted (``objects`` no longer returns it); its blobs are collected once
    nothing refers to them. ``version`` increases on every change and backs
    ETags and ``If-Match``.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "Gambar"
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"
        DOCUMENT = "document", "Dokumen"

    class Status(models.TextChoices):
        PROCESSING = "processing", "Diproses"
        READY = "ready", "Siap"
        REJECTED = "rejected", "Ditolak"
        DELETED = "deleted", "Dihapus"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Publik"
        AGENCIES = "agencies", "Semua instansi"
        AGENCY = "agency", "Instansi sendiri"

    class LegalBasis(models.TextChoices):
        # UU PDP Pasal 20 ayat (2); children's data needs a parent's or
        # guardian's consent (Pasal 25).
        CONSENT = "consent", "Persetujuan subjek data"
        GUARDIAN_CONSENT = "guardian_consent", "Persetujuan orang tua/wali"
        CONTRACT = "contract", "Perjanjian"
        LEGAL_OBLIGATION = "legal_obligation", "Kewajiban hukum"
        VITAL_INTEREST = "vital_interest", "Kepentingan vital"
        PUBLIC_TASK = "public_task", "Tugas kepentingan umum / kewenangan"
        LEGITIMATE_INTEREST = "legitimate_interest", "Kepentingan yang sah"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="media_assets")
    uploaded_by = models.CharField(max_length=200, help_text="principal label of the uploader")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    alt_text = models.CharField(max_length=1000, blank=True)
    language = models.CharField(max_length=16, default="id")
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    license = models.CharField(max_length=100)
    credit = models.CharField(max_length=300, blank=True)
    copyright_holder = models.CharField(max_length=300, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    mime = models.CharField(max_length=100, help_text="sniffed from the bytes")
    original_filename = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="seconds")
    pages = models.PositiveIntegerField(null=True, blank=True)
    phash = models.CharField(max_length=16, blank=True, help_text="64-bit perceptual hash, hex")
    phash_bits = models.BigIntegerField(null=True, blank=True, help_text="phash as signed int64")
    focal_x = models.FloatField(default=0.5)
    focal_y = models.FloatField(default=0.5)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROCESSING)
    status_detail = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.AGENCIES
    )
    contains_identifiable_people = models.BooleanField(default=False)
    contains_minors = models.BooleanField(default=False)
    legal_basis = models.CharField(max_length=20, choices=LegalBasis.choices, blank=True)
    legal_basis_reference = models.CharField(
        max_length=300, blank=True, help_text="consent form or decree that records the basis"
    )
    embargo_until = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    collections = models.ManyToManyField(Collection, blank=True, related_name="assets")

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = LiveAssetManager()
    all_objects = models.Manager()  # noqa: DJ012 - a manager (for deleted rows too), not a field

    class Meta:
        ordering = ["id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["agency", "status"], name="asset_agency_status_idx"),
            models.Index(fields=["sha256"], name="asset_sha256_idx"),
            models.Index(fields=["phash_bits"], name="asset_phash_idx"),
            GinIndex(fields=["tags"], name="asset_tags_idx"),
            GinIndex(OpClass("title", name="gin_trgm_ops"), name="asset_title_trgm_idx"),
            GinIndex(
                OpClass("description", name="gin_trgm_ops"), name="asset_description_trgm_idx"
            ),
        ]
        constraints = [
            # One live asset per agency and content: a re-upload answers the existing one.
            models.UniqueConstraint(
                fields=["agency", "sha256"],
                condition=~Q(status="deleted"),
                name="asset_unique_content_per_agency",
            ),
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="asset_focal_point_in_frame",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.kind})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Rendition(models.Model):
    """A derived, metadata-free file of an asset: one preset in one format.

    Renditions never carry EXIF, XMP, GPS or device data. Their bytes are a
    content-addressed :class:`Blob` of role ``rendition``.
    """

    class Format(models.TextChoices):
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=20)
    format = models.CharField(max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset_id", "name", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "name", "format"], name="rendition_unique_preset"
            )
        ]
        indexes = [models.Index(fields=["sha256"], name="rendition_sha256_idx")]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.name}.{self.format}"


class MediaUpload(models.Model):
    """A resumable (tus 1.0) upload in progress, owned by one agency.

    ``offset`` is how many bytes the hub holds durably; a client that lost its
    connection asks for it (``HEAD``) and continues from there. ``state`` is the
    storage backend's bookkeeping (multipart upload id, parts). When the last
    byte arrives the upload is finalised into an asset (``asset``).
    """

    class Status(models.TextChoices):
        RECEIVING = "receiving", "Menerima"
        COMPLETE = "complete", "Selesai"
        FAILED = "failed", "Gagal"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="media_uploads")
    created_by = models.CharField(max_length=200)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVING)
    status_detail = models.CharField(max_length=500, blank=True)
    asset = models.ForeignKey(
        MediaAsset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duplicate = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"upload {self.id} {self.offset}/{self.length}"


class AgencyUsage(models.Model):
    """Bytes of an agency's assets counted against its quota: every asset not deleted.

    Kept by a trigger on the asset table (migration 0002), whatever writes the
    rows; the row is also the lock that serialises the agency's uploads, so
    reading it is one primary-key lookup however many assets the agency has.
    """

    agency = models.OneToOneField(
        Agency, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    bytes = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.bytes} bytes"
