"""The verdict vocabulary's stable codes, with their initial labels (admins edit labels)."""

from django.db import migrations

# code, label_id, label_en, title prefix, rating (1 false … 5 true),
# ClaimReview alternateName (id, en), rates a claim
VERDICTS = [
    ("hoaks", "Hoaks", "Hoax", "[HOAKS]", 1, "Hoaks", "False", True),
    (
        "disinformasi",
        "Disinformasi",
        "Disinformation",
        "[DISINFORMASI]",
        1,
        "Disinformasi",
        "False (disinformation)",
        True,
    ),
    ("penipuan", "Penipuan", "Scam", "[PENIPUAN]", 1, "Penipuan", "Scam", True),
    (
        "menyesatkan",
        "Menyesatkan",
        "Misleading",
        "[MENYESATKAN]",
        2,
        "Menyesatkan",
        "Misleading",
        True,
    ),
    (
        "tidak_terbukti",
        "Tidak terbukti",
        "Unproven",
        "[TIDAK TERBUKTI]",
        3,
        "Tidak terbukti",
        "Unproven",
        True,
    ),
    (
        "sebagian_benar",
        "Sebagian benar",
        "Partly true",
        "[SEBAGIAN BENAR]",
        3,
        "Sebagian benar",
        "Partly true",
        True,
    ),
    ("satire", "Satire", "Satire", "[SATIRE]", 2, "Satire", "Satire", True),
    ("fakta", "Fakta", "True", "[FAKTA]", 5, "Fakta", "True", True),
    # An official statement on a circulating topic: it informs, it does not rate.
    (
        "klarifikasi",
        "Klarifikasi",
        "Clarification",
        "[KLARIFIKASI]",
        3,
        "Klarifikasi",
        "Official clarification",
        False,
    ),
]


def seed(apps, schema_editor):
    Verdict = apps.get_model("facts", "Verdict")
    for position, row in enumerate(VERDICTS):
        code, label_id, label_en, prefix, rating, alt_id, alt_en, is_rating = row
        Verdict.objects.get_or_create(
            code=code,
            defaults={
                "label": label_id,
                "label_en": label_en,
                "title_prefix": prefix,
                "rating": rating,
                "alternate_name": alt_id,
                "alternate_name_en": alt_en,
                "is_rating": is_rating,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("facts", "0002_published_content_frozen")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
