"""Indonesian phone spellings through the write service and the API: normalised or refused."""

import pytest

from agencies.contacts.models import ContactPoint
from agencies.contacts.services import contact_create
from hub.errors import ValidationFailed
from tests.contacts.conftest import as_principal, trail

pytestmark = pytest.mark.django_db

JAKARTA = "+62213456789"

# (as written, channel, stored normalised value or the error code)
SPELLINGS = [
    ("(021) 3456789", "voice", JAKARTA),
    ("021-3456789", "voice", JAKARTA),
    ("021 345 6789", "voice", JAKARTA),
    ("021.345.6789", "voice", JAKARTA),
    ("021\u20133456789", "voice", JAKARTA),
    ("+62 21 3456789", "voice", JAKARTA),
    ("62 21 3456789", "voice", JAKARTA),
    ("0062 21 3456789", "voice", JAKARTA),
    ("+62 (0) 21 3456789", "voice", JAKARTA),
    ("(+62) 21-3456789", "voice", JAKARTA),
    ("\uff10\uff12\uff11\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "voice", JAKARTA),
    ("(0341) 551234", "fax", "+62341551234"),
    ("0341-551234", "voice", "+62341551234"),
    ("0812 3456 7890", "mobile", "+6281234567890"),
    ("0813-8888-1234", "whatsapp", "+6281388881234"),
    ("+62 812-3456-7890", "whatsapp", "+6281234567890"),
    ("6281234567890", "sms", "+6281234567890"),
    ("0800-1-234567", "voice", "+628001234567"),
    ("1500 567", "voice", "+621500567"),
    ("1 500 200", "voice", "+621500200"),
    ("112", "voice", "112"),
    (" 117 ", "voice", "117"),
    ("129", "voice", "129"),
    ("164", "voice", "short_code_not_allowed"),
    ("112", "fax", "short_code_not_allowed"),
    ("112", "whatsapp", "phone_not_mobile"),
    ("(021) 3456789", "whatsapp", "phone_not_mobile"),
    ("021 3456", "voice", "phone_invalid"),
    ("Telp. 021 3456789", "voice", "phone_invalid"),
    ("021-3456789 / 021-3456790", "voice", "phone_invalid"),
    ("021-3456789 ext. 123", "voice", "phone_extension_not_supported"),
    ("021 3456789 psw. 12", "voice", "phone_extension_not_supported"),
    ("+60 12-345 6789", "voice", "phone_not_indonesian"),
    ("1500 1234", "voice", "phone_invalid"),
    ("   ", "voice", "value_required"),
]


def _is_error(expected: str) -> bool:
    return expected[0] not in "+0123456789"


def test_the_table_is_large_enough():
    assert len(SPELLINGS) >= 30
    assert sum(_is_error(e) for *_, e in SPELLINGS) >= 10


@pytest.mark.parametrize("raw, channel, expected", SPELLINGS)
def test_service_normalises_or_refuses(world, raw, channel, expected):
    principal = as_principal(world.bpbd_editor)
    before = trail()
    if _is_error(expected):
        with pytest.raises(ValidationFailed) as info:
            contact_create(
                principal=principal, agency=world.bpbd, data={"channel": channel, "value": raw}
            )
        assert [(e.field, e.code) for e in info.value.errors] == [("value", expected)]
        assert trail() == before
        return
    contact = contact_create(
        principal=principal, agency=world.bpbd, data={"channel": channel, "value": raw}
    )
    stored = ContactPoint.objects.get(pk=contact.pk)
    assert stored.normalized == expected
    assert stored.value == raw.strip()
    assert trail() == (before[0] + 1, before[1] + 1)


@pytest.mark.parametrize(
    "raw, channel, expected",
    [SPELLINGS[0], SPELLINGS[13], SPELLINGS[20], SPELLINGS[23], SPELLINGS[30]],
)
def test_api_gives_the_same_answers(api, world, raw, channel, expected):
    client = api(user=world.bpbd_editor, lang="en")
    response = client.post(
        "/api/v1/contacts/", {"agency": "bpbd-uji", "channel": channel, "value": raw}
    )
    if _is_error(expected):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "validation_failed"
        assert body["errors"][0]["field"] == "value" and body["errors"][0]["code"] == expected
        assert body["errors"][0]["message"]
        return
    assert response.status_code == 201, response.content
    assert response.json()["normalized"] == expected
