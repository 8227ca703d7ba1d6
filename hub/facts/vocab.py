"""Fixed vocabularies of the facts domain: platforms, misinformation types, CAP enumerations
and the BNPB/BMKG hazard events a bulletin may announce.

Codes are part of the public contract (API input, filters, exports): never rename one.
The verdict vocabulary is not here: its labels are edited by admins, so it lives in
the database (:class:`hub.facts.models.Verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Platform(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X (Twitter)"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    TELEGRAM = "telegram", "Telegram"
    WEBSITE = "website", "Situs web"
    OTHER = "other", "Lainnya"


class MisinformationType(models.TextChoices):
    """First Draft's seven types of mis- and disinformation."""

    SATIRE = "satire", "Satire atau parodi"
    MISLEADING = "misleading", "Konten menyesatkan"
    IMPOSTOR = "impostor", "Konten tiruan"
    FABRICATED = "fabricated", "Konten palsu"
    FALSE_CONNECTION = "false_connection", "Koneksi yang salah"
    FALSE_CONTEXT = "false_context", "Konteks yang salah"
    MANIPULATED = "manipulated", "Konten yang dimanipulasi"


class CapStatus(models.TextChoices):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class MsgType(models.TextChoices):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class Scope(models.TextChoices):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
# CAP 1.2 leaves these optional, but people acting on them need to know how.
RESPONSES_NEEDING_INSTRUCTION = frozenset({"Evacuate", "Shelter", "Prepare"})
# Responses that ask people to act: never in a Cancel, which calls a warning off.
CALLS_TO_ACTION = frozenset({"Shelter", "Evacuate", "Prepare", "Execute", "Avoid"})
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")


@dataclass(frozen=True)
class HazardEvent:
    """One hazard type from the BNPB/BMKG vocabulary (CAP ``event`` ≤ 35 characters)."""

    code: str
    label_id: str
    label_en: str
    category: str

    def label(self, language: str) -> str:
        return self.label_en if language.lower().startswith("en") else self.label_id


_EVENTS = (
    HazardEvent("banjir", "Banjir", "Flood", "Met"),
    HazardEvent("banjir_bandang", "Banjir Bandang", "Flash Flood", "Met"),
    HazardEvent("banjir_rob", "Banjir Rob", "Coastal Flood", "Met"),
    HazardEvent("tanah_longsor", "Tanah Longsor", "Landslide", "Geo"),
    HazardEvent("gempabumi", "Gempabumi", "Earthquake", "Geo"),
    HazardEvent("tsunami", "Tsunami", "Tsunami", "Geo"),
    HazardEvent("erupsi_gunung_api", "Erupsi Gunung Api", "Volcanic Eruption", "Geo"),
    HazardEvent("likuefaksi", "Likuefaksi", "Liquefaction", "Geo"),
    HazardEvent("cuaca_ekstrem", "Cuaca Ekstrem", "Extreme Weather", "Met"),
    HazardEvent("angin_kencang", "Angin Kencang", "Strong Wind", "Met"),
    HazardEvent("puting_beliung", "Puting Beliung", "Whirlwind", "Met"),
    HazardEvent("gelombang_tinggi", "Gelombang Tinggi", "High Waves", "Met"),
    HazardEvent("abrasi", "Abrasi", "Coastal Erosion", "Geo"),
    HazardEvent("kekeringan", "Kekeringan", "Drought", "Met"),
    HazardEvent("gelombang_panas", "Gelombang Panas", "Heat Wave", "Met"),
    HazardEvent(
        "kebakaran_hutan_dan_lahan", "Kebakaran Hutan dan Lahan", "Forest and Land Fire", "Fire"
    ),
    HazardEvent("kabut_asap", "Kabut Asap", "Haze", "Env"),
    HazardEvent("wabah_penyakit", "Wabah Penyakit", "Disease Outbreak", "Health"),
    HazardEvent("kegagalan_teknologi", "Kegagalan Teknologi", "Technological Failure", "Infra"),
)
EVENTS: dict[str, HazardEvent] = {event.code: event for event in _EVENTS}
EVENT_CHOICES = [(event.code, event.label_id) for event in _EVENTS]
