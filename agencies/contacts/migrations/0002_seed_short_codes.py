"""Seed the short-code allow-list with the official national short codes.

The codes are copied here, not imported, so the migration keeps meaning the
same list even if the defaults in agencies.contact_values change later.
Re-running changes nothing; rolling back removes only untouched seeded rows.
"""

from django.db import migrations

SHORT_CODES = {
    "110": "Polisi (Call Center Polri)",
    "112": "Layanan panggilan darurat terpadu (Call Center 112)",
    "113": "Pemadam kebakaran",
    "115": "Basarnas (pencarian dan pertolongan)",
    "117": "BNPB (Call Center penanggulangan bencana)",
    "118": "Ambulans gawat darurat",
    "119": "Layanan kesehatan darurat / ambulans (SPGDT Kemenkes)",
    "123": "PLN (gangguan listrik)",
    "129": "SAPA 129 KemenPPPA (kekerasan terhadap perempuan dan anak, KDRT)",
}


def seed(apps, schema_editor):
    ShortCode = apps.get_model("contacts", "ShortCode")
    for code, description in SHORT_CODES.items():
        ShortCode.objects.get_or_create(code=code, defaults={"description": description})


def unseed(apps, schema_editor):
    ShortCode = apps.get_model("contacts", "ShortCode")
    for code, description in SHORT_CODES.items():
        ShortCode.objects.filter(code=code, description=description).delete()


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
