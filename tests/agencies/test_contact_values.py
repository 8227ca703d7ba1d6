"""Validation and normalisation of contact values (no database needed)."""

import pytest

from agencies.contact_values import (
    CHANNELS,
    DEFAULT_SHORT_CODES,
    MESSAGES,
    ContactValueError,
    NormalizedPhone,
    normalize_contact_value,
    normalize_email,
    normalize_handle,
    normalize_phone,
    normalize_url,
    outside_official_domains,
    profile_url,
)

SHORT_CODES = tuple(DEFAULT_SHORT_CODES)
JAKARTA = "+62213456789"


def phone(raw, channel="voice", short_codes=SHORT_CODES, **kwargs):
    return normalize_phone(raw, channel=channel, short_codes=short_codes, **kwargs)


def error_code(call, *args, **kwargs):
    with pytest.raises(ContactValueError) as info:
        call(*args, **kwargs)
    return info.value.code


# ---------------------------------------------------------------------------
# Phone numbers: real-world spellings
# ---------------------------------------------------------------------------

# (raw, channel, expected value or error code)
PHONE_TABLE = [
    # Jakarta landline, every common spelling
    ("(021) 3456789", "voice", JAKARTA),
    ("021-3456789", "voice", JAKARTA),
    ("021 345 6789", "voice", JAKARTA),
    ("021.345.6789", "voice", JAKARTA),
    ("021\u20133456789", "voice", JAKARTA),  # en dash pasted from a document
    ("\uff10\uff12\uff11\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "voice", JAKARTA),
    ("+62 21 3456789", "voice", JAKARTA),
    ("62 21 3456789", "voice", JAKARTA),
    ("0062 21 3456789", "voice", JAKARTA),
    ("+62 (0) 21 3456789", "voice", JAKARTA),
    ("(+62) 21-3456789", "voice", JAKARTA),
    ("+62 21 5701 1111", "fax", "+622157011111"),
    # Surabaya, Malang, Jayapura, Bogor landlines
    ("031 5678901", "voice", "+62315678901"),
    ("(031) 535-1234", "voice", "+62315351234"),
    ("0341-551234", "voice", "+62341551234"),
    ("(0341) 551234", "fax", "+62341551234"),
    ("0967 533123", "voice", "+62967533123"),
    ("+62 967 533123", "voice", "+62967533123"),
    ("0251 8312345", "voice", "+622518312345"),
    # Telkomsel, Indosat, XL mobiles
    ("0811-1234-567", "voice", "+628111234567"),
    ("0812 3456 7890", "mobile", "+6281234567890"),
    ("0813-8888-1234", "whatsapp", "+6281388881234"),
    ("0852 1234 5678", "sms", "+6285212345678"),
    ("0815-1234-5678", "whatsapp", "+6281512345678"),
    ("0857 1234 5678", "mobile", "+6285712345678"),
    ("0817 1234 5678", "whatsapp", "+6281712345678"),
    ("0878-1234-5678", "sms", "+6287812345678"),
    ("+62 812-3456-7890", "whatsapp", "+6281234567890"),
    ("+62 0812 3456 7890", "whatsapp", "+6281234567890"),
    ("6281234567890", "whatsapp", "+6281234567890"),
    ("0062 812 3456 7890", "whatsapp", "+6281234567890"),
    ("08111-129-129", "whatsapp", "+628111129129"),  # SAPA 129 WhatsApp
    # Click-to-chat links, as agencies print them
    ("https://wa.me/6281234567890", "whatsapp", "+6281234567890"),
    ("wa.me/6281234567890?text=Halo", "whatsapp", "+6281234567890"),
    ("https://api.whatsapp.com/send?phone=6281234567890&text=x", "whatsapp", "+6281234567890"),
    ("https://wa.me/6281234567890", "voice", "phone_invalid"),  # a link is no phone number
    ("https://wa.me/62215551234", "whatsapp", "phone_not_mobile"),
    # Toll-free and 1500 call centres
    ("0800-1-234567", "voice", "+628001234567"),
    ("08001234567", "voice", "+628001234567"),
    ("0 800 1 234 567", "voice", "+628001234567"),
    ("1500 567", "voice", "+621500567"),  # Halo Kemenkes
    ("1500-200", "voice", "+621500200"),  # Kring Pajak
    ("1 500 200", "voice", "+621500200"),
    ("+62 1500 567", "voice", "+621500567"),
    # Official short codes from the allow-list
    ("112", "voice", "112"),
    ("110", "voice", "110"),
    ("113", "voice", "113"),
    ("115", "voice", "115"),
    ("117", "voice", "117"),
    ("119", "voice", "119"),
    (" 129 ", "voice", "129"),
    # Short codes that are not allowed
    ("164", "voice", "short_code_not_allowed"),  # BPBD DKI, not in the default list
    ("14045", "voice", "short_code_not_allowed"),
    ("112", "fax", "short_code_not_allowed"),
    ("112", "whatsapp", "phone_not_mobile"),
    ("+62 112", "voice", "phone_invalid"),
    # Too short, too long, letters, several numbers, extensions
    ("021 3456", "voice", "phone_invalid"),
    ("08123", "voice", "phone_invalid"),
    ("0812 3456 7890 1234", "voice", "phone_invalid"),
    ("1500 1234", "voice", "phone_invalid"),
    ("0812-34A5-6789", "voice", "phone_invalid"),
    ("Telp. 021 3456789", "voice", "phone_invalid"),
    ("021-3456789 / 021-3456790", "voice", "phone_invalid"),
    ("021-3456789, 3456790", "voice", "phone_invalid"),
    ("021-3456789 ext. 123", "voice", "phone_extension_not_supported"),
    ("021 3456789 psw. 12", "voice", "phone_extension_not_supported"),
    ("021-3456789x12", "voice", "phone_extension_not_supported"),
    # Foreign numbers
    ("+60 12-345 6789", "voice", "phone_not_indonesian"),
    ("0060 12 345 6789", "whatsapp", "phone_not_indonesian"),
    ("+65 6123 4567", "fax", "phone_not_indonesian"),
    # Landline, toll-free and call centre on mobile-only channels
    ("(021) 3456789", "whatsapp", "phone_not_mobile"),
    ("0341-551234", "sms", "phone_not_mobile"),
    ("0800-1-234567", "mobile", "phone_not_mobile"),
    ("1500 567", "whatsapp", "phone_not_mobile"),
    # Empty
    ("", "voice", "value_required"),
    ("   ", "whatsapp", "value_required"),
]


@pytest.mark.parametrize(("raw", "channel", "expected"), PHONE_TABLE)
def test_phone_table(raw, channel, expected):
    if expected[0] == "+" or expected.isdigit():
        result = phone(raw, channel)
        assert result.value == expected
        assert result.kind == ("e164" if expected[0] == "+" else "short_code")
    else:
        assert error_code(phone, raw, channel) == expected


def test_phone_table_is_large_enough():
    assert len(PHONE_TABLE) >= 35


@pytest.mark.parametrize(
    ("raw", "display"),
    [
        ("021-3456789", "(021) 3456789"),
        ("0341 551234", "(0341) 551234"),
        ("+6281234567890", "0812-3456-7890"),
        ("0800-1-234567", "0800 1234567"),
        ("1500567", "1500 567"),
        ("112", "112"),
    ],
)
def test_phone_display_is_national_format(raw, display):
    assert phone(raw).display == display


def test_short_code_is_stored_as_bare_digits():
    assert phone("1-1-2") == NormalizedPhone("112", "short_code", "112")


def test_short_code_allow_list_comes_from_the_caller():
    assert phone("164", short_codes=["164"]).value == "164"
    assert error_code(phone, "112", short_codes=[]) == "short_code_not_allowed"


def test_foreign_numbers_when_allowed():
    result = phone("+60 12-345 6789", "whatsapp", allow_foreign=True)
    assert result == NormalizedPhone("+60123456789", "e164", "+60 12-345 6789")
    assert phone("001 60 12 345 6789", allow_foreign=True).value == "+60123456789"


def test_unknown_phone_channel():
    assert error_code(phone, "021 3456789", "pager") == "channel_unknown"


def test_default_short_codes():
    for code in ("110", "112", "113", "115", "117", "118", "119", "129"):
        assert code in DEFAULT_SHORT_CODES
        assert DEFAULT_SHORT_CODES[code]
    assert not any(code.startswith("1500") for code in DEFAULT_SHORT_CODES)
    assert all(code.isdigit() for code in DEFAULT_SHORT_CODES)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_error_carries_code_and_both_languages():
    with pytest.raises(ContactValueError) as info:
        phone("+60 12-345 6789")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.code == "phone_not_indonesian"
    assert "Indonesia" in error.message_id
    assert "Indonesian" in error.message_en
    assert str(error) == error.message_en


def test_every_code_has_two_messages():
    for code, (message_id, message_en) in MESSAGES.items():
        assert message_id and message_en and message_id != message_en, code
    with pytest.raises(KeyError):
        ContactValueError("no_such_code")


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------

EMAIL_TABLE = [
    ("humas@bnpb.go.id", "humas@bnpb.go.id"),
    ("Humas@BNPB.GO.ID", "Humas@bnpb.go.id"),
    ("  ppid@jakarta.go.id  ", "ppid@jakarta.go.id"),
    ("mailto:ppid@jakarta.go.id", "ppid@jakarta.go.id"),
    ("pusdatin.bnpb@bnpb.go.id", "pusdatin.bnpb@bnpb.go.id"),
    ("kontak+pengaduan@kominfo.go.id", "kontak+pengaduan@kominfo.go.id"),
    ("info@b\u00fccher.de", "info@xn--bcher-kva.de"),
    ("BNPB <humas@bnpb.go.id>", "email_invalid"),
    ('"Humas BNPB" humas@bnpb.go.id', "email_invalid"),
    ("humas@bnpb", "email_invalid"),
    ("humas.bnpb.go.id", "email_invalid"),
    ("humas@@bnpb.go.id", "email_invalid"),
    (".humas@bnpb.go.id", "email_invalid"),
    ("hu..mas@bnpb.go.id", "email_invalid"),
    ("hu mas@bnpb.go.id", "email_invalid"),
    ("humas@bnpb..go.id", "email_invalid"),
    ("humas@-bnpb.go.id", "email_invalid"),
    ("humas@192.168.1.1", "email_invalid"),
    ("humas@bnpb.go.id, ppid@bnpb.go.id", "email_invalid"),
    ("", "value_required"),
]


@pytest.mark.parametrize(("raw", "expected"), EMAIL_TABLE)
def test_email_table(raw, expected):
    if "@" in expected:
        assert normalize_email(raw) == expected
    else:
        assert error_code(normalize_email, raw) == expected


# ---------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------

URL_TABLE = [
    ("https://bnpb.go.id", True, "https://bnpb.go.id/"),
    ("HTTPS://WWW.BNPB.GO.ID/Berita?id=1#atas", True, "https://www.bnpb.go.id/Berita?id=1"),
    ("www.bnpb.go.id", True, "https://www.bnpb.go.id/"),
    ("bnpb.go.id/infografis", True, "https://bnpb.go.id/infografis"),
    ("https://bnpb.go.id:443/", True, "https://bnpb.go.id/"),
    ("https://dibi.bnpb.go.id:8443/data", True, "https://dibi.bnpb.go.id:8443/data"),
    (
        "https://bnpb.go.id/berita/gempa\u2013cianjur",
        True,
        "https://bnpb.go.id/berita/gempa%E2%80%93cianjur",
    ),
    ("http://bnpb.go.id", True, "url_not_https"),
    ("http://bnpb.go.id", False, "http://bnpb.go.id/"),
    ("http://bnpb.go.id:80/peta", False, "http://bnpb.go.id/peta"),
    ("https://admin:rahasia@bnpb.go.id/", True, "url_invalid"),
    ("https://admin@bnpb.go.id/", True, "url_invalid"),
    ("ftp://bnpb.go.id/", True, "url_invalid"),
    ("javascript:alert(1)", True, "url_invalid"),
    ("https://localhost/", True, "url_invalid"),
    ("https://10.1.2.3/", True, "url_invalid"),
    ("https://bnpb go.id/", True, "url_invalid"),
    ("https://bnpb.go.id/berita gempa", True, "url_invalid"),
    ("https://bnpb.go.id:99999/", True, "url_invalid"),
    ("https://", True, "url_invalid"),
    ("", True, "value_required"),
]


@pytest.mark.parametrize(("raw", "require_https", "expected"), URL_TABLE)
def test_url_table(raw, require_https, expected):
    if "://" in expected:
        assert normalize_url(raw, require_https=require_https) == expected
    else:
        assert error_code(normalize_url, raw, require_https=require_https) == expected


def test_url_requires_https_by_default():
    assert error_code(normalize_url, "http://bnpb.go.id/") == "url_not_https"


# ---------------------------------------------------------------------------
# Social media handles
# ---------------------------------------------------------------------------

HANDLE_TABLE = [
    # x
    ("x", "@BNPB_Indonesia", "BNPB_Indonesia"),
    ("x", "BNPB_Indonesia", "BNPB_Indonesia"),
    ("x", "https://x.com/BNPB_Indonesia", "BNPB_Indonesia"),
    ("x", "https://twitter.com/BNPB_Indonesia?lang=id", "BNPB_Indonesia"),
    ("x", "mobile.twitter.com/BNPB_Indonesia/", "BNPB_Indonesia"),
    ("x", "https://x.com/BNPB_Indonesia/status/1234567890", "handle_invalid"),
    ("x", "BNPB_Indonesia_Resmi", "handle_invalid"),  # 20 characters
    ("x", "bnpb-indonesia", "handle_invalid"),
    ("x", "https://www.instagram.com/bnpb_indonesia/", "handle_invalid"),
    ("x", "https://x.com/home", "handle_invalid"),
    # instagram
    ("instagram", "https://www.instagram.com/bnpb_indonesia/", "bnpb_indonesia"),
    ("instagram", "instagram.com/bnpb_indonesia?igsh=abc123", "bnpb_indonesia"),
    ("instagram", "@BNPB_Indonesia", "bnpb_indonesia"),
    ("instagram", "humas.jatengprov", "humas.jatengprov"),
    ("instagram", "https://www.instagram.com/p/C1abcDEFghi/", "handle_invalid"),
    ("instagram", "bnpb..indonesia", "handle_invalid"),
    ("instagram", "bnpb_indonesia.", "handle_invalid"),
    ("instagram", "instagram.com", "handle_invalid"),
    # facebook
    ("facebook", "https://www.facebook.com/BNPBIndonesia/", "BNPBIndonesia"),
    ("facebook", "https://web.facebook.com/BNPBIndonesia?_rdc=1", "BNPBIndonesia"),
    ("facebook", "m.facebook.com/humas.jatengprov", "humas.jatengprov"),
    ("facebook", "bnpb.indonesia", "bnpb.indonesia"),
    ("facebook", "https://www.facebook.com/profile.php?id=100064563847493", "100064563847493"),
    ("facebook", "https://www.facebook.com/p/BPBD-Kab-Malang-100064563847493/", "100064563847493"),
    ("facebook", "bnpb", "handle_invalid"),
    ("facebook", "https://www.facebook.com/groups/1234567890/", "handle_invalid"),
    # tiktok
    ("tiktok", "https://www.tiktok.com/@bnpb_ri", "bnpb_ri"),
    ("tiktok", "tiktok.com/@BNPB_RI?lang=id", "bnpb_ri"),
    ("tiktok", "@bnpb_ri", "bnpb_ri"),
    ("tiktok", "tiktok.com/bnpb_ri", "handle_invalid"),
    ("tiktok", "https://vt.tiktok.com/ZSabc123/", "handle_invalid"),
    ("tiktok", "https://www.tiktok.com/@bnpb_ri/video/7300000000000000000", "handle_invalid"),
    ("tiktok", "bnpb_ri.", "handle_invalid"),
    # youtube
    ("youtube", "https://www.youtube.com/@BNPBIndonesia", "BNPBIndonesia"),
    ("youtube", "youtube.com/@BNPBIndonesia/videos", "BNPBIndonesia"),
    ("youtube", "@BNPBIndonesia", "BNPBIndonesia"),
    ("youtube", "https://www.youtube.com/c/BNPBIndonesia", "c/BNPBIndonesia"),
    ("youtube", "https://youtube.com/user/bnpbindonesia", "user/bnpbindonesia"),
    (
        "youtube",
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
        "channel/UCabcdefghijklmnopqrstuv",
    ),
    ("youtube", "https://www.youtube.com/channel/UCshort", "handle_invalid"),
    ("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "handle_invalid"),
    ("youtube", "ab", "handle_invalid"),
    # any platform
    ("instagram", "", "value_required"),
    ("threads", "@bnpb_indonesia", "platform_unknown"),
]


@pytest.mark.parametrize(("platform", "raw", "expected"), HANDLE_TABLE)
def test_handle_table(platform, raw, expected):
    if expected in MESSAGES:
        assert error_code(normalize_handle, raw, platform) == expected
    else:
        assert normalize_handle(raw, platform) == expected


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("x", "BNPB_Indonesia", "https://x.com/BNPB_Indonesia"),
        ("instagram", "bnpb_indonesia", "https://www.instagram.com/bnpb_indonesia/"),
        ("facebook", "BNPBIndonesia", "https://www.facebook.com/BNPBIndonesia"),
        (
            "facebook",
            "100064563847493",
            "https://www.facebook.com/profile.php?id=100064563847493",
        ),
        ("tiktok", "bnpb_ri", "https://www.tiktok.com/@bnpb_ri"),
        ("youtube", "BNPBIndonesia", "https://www.youtube.com/@BNPBIndonesia"),
        ("youtube", "c/BNPBIndonesia", "https://www.youtube.com/c/BNPBIndonesia"),
        (
            "youtube",
            "channel/UCabcdefghijklmnopqrstuv",
            "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
        ),
    ],
)
def test_profile_url_round_trips(platform, handle, url):
    assert profile_url(handle, platform) == url
    assert normalize_handle(url, platform) == handle


@pytest.mark.parametrize(
    ("platform", "handle"),
    [("instagram", "@bnpb_indonesia"), ("instagram", "BNPB_Indonesia"), ("x", "c/BNPB")],
)
def test_profile_url_needs_a_canonical_handle(platform, handle):
    assert error_code(profile_url, handle, platform) == "handle_invalid"


# ---------------------------------------------------------------------------
# Official domains
# ---------------------------------------------------------------------------

DOMAIN_TABLE = [
    ("https://bnpb.go.id/", ["bnpb.go.id"], False),
    ("https://www.bnpb.go.id/", ["bnpb.go.id"], False),
    ("https://bnpb.go.id/", ["www.bnpb.go.id"], False),
    ("https://www.bnpb.go.id/", ["https://www.bnpb.go.id/"], False),
    ("https://dibi.bnpb.go.id/", ["bnpb.go.id"], False),
    ("https://BNPB.GO.ID./", ["bnpb.go.id"], False),
    ("info@bnpb.go.id", ["bnpb.go.id"], False),
    ("Info@BNPB.GO.ID", ["bnpb.go.id"], False),
    ("humas@pusdatin.bnpb.go.id", ["bnpb.go.id"], False),
    ("https://kemkes.go.id/", ["bnpb.go.id", "kemkes.go.id"], False),
    ("https://bnpb-go-id.com/", ["bnpb.go.id"], True),
    ("https://bnpb.go.id.example.com/", ["bnpb.go.id"], True),
    ("https://evilbnpb.go.id/", ["bnpb.go.id"], True),
    ("https://go.id/", ["bnpb.go.id"], True),
    ("bnpbindonesia@gmail.com", ["bnpb.go.id"], True),
    ("bnpb.go.id@gmail.com", ["bnpb.go.id"], True),
    ("https://bnpb.go.id/", [], True),
]


@pytest.mark.parametrize(("value", "domains", "outside"), DOMAIN_TABLE)
def test_outside_official_domains(value, domains, outside):
    assert outside_official_domains(value, domains) is outside


def test_outside_official_domains_rejects_garbage():
    assert error_code(outside_official_domains, "not a url", ["bnpb.go.id"]) == "url_invalid"


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def normalize(channel, raw, **kwargs):
    kwargs.setdefault("short_codes", SHORT_CODES)
    return normalize_contact_value(channel, raw, **kwargs)


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        ("voice", "(021) 3456789", JAKARTA),
        ("voice", "112", "112"),
        ("mobile", "0812 3456 7890", "+6281234567890"),
        ("whatsapp", "08111-129-129", "+628111129129"),
        ("sms", "+62 857 1234 5678", "+6285712345678"),
        ("fax", "(0341) 551234", "+62341551234"),
        ("email", "Humas@BNPB.GO.ID", "Humas@bnpb.go.id"),
        ("website", "www.bnpb.go.id", "https://www.bnpb.go.id/"),
        ("x", "https://x.com/BNPB_Indonesia", "BNPB_Indonesia"),
        ("instagram", "@bnpb_indonesia", "bnpb_indonesia"),
        ("facebook", "https://www.facebook.com/BNPBIndonesia/", "BNPBIndonesia"),
        ("tiktok", "https://www.tiktok.com/@bnpb_ri", "bnpb_ri"),
        ("youtube", "https://www.youtube.com/@BNPBIndonesia", "BNPBIndonesia"),
        (
            "address",
            "  Jl. Pramuka Kav. 38,\n  Cawang,\tJakarta Timur  13120 ",
            "Jl. Pramuka Kav. 38, Cawang, Jakarta Timur 13120",
        ),
    ],
)
def test_dispatch(channel, raw, expected):
    assert normalize(channel, raw, official_domains=["bnpb.go.id"]) == (expected, [])


def test_every_channel_dispatches():
    samples = {
        "voice": "112",
        "mobile": "0812 3456 7890",
        "whatsapp": "0812 3456 7890",
        "sms": "0812 3456 7890",
        "fax": "021 3456789",
        "email": "humas@bnpb.go.id",
        "website": "https://bnpb.go.id",
        "x": "BNPB_Indonesia",
        "instagram": "bnpb_indonesia",
        "facebook": "BNPBIndonesia",
        "tiktok": "bnpb_ri",
        "youtube": "BNPBIndonesia",
        "address": "Jl. Pramuka Kav. 38",
    }
    assert set(samples) == set(CHANNELS)
    for channel, raw in samples.items():
        value, warnings = normalize(channel, raw)
        assert value and warnings == []


@pytest.mark.parametrize(
    ("channel", "raw"),
    [("email", "bnpbindonesia@gmail.com"), ("website", "https://bnpb-go-id.com")],
)
def test_outside_official_domain_warning(channel, raw):
    value, warnings = normalize(channel, raw, official_domains=["bnpb.go.id"])
    assert warnings == ["outside_official_domain"]
    assert normalize(channel, raw) == (value, [])


def test_dispatch_website_rejects_http():
    assert error_code(normalize, "website", "http://bnpb.go.id") == "url_not_https"


def test_dispatch_foreign_number_warning():
    assert normalize("voice", "+65 6123 4567", allow_foreign=True) == (
        "+6561234567",
        ["foreign_number"],
    )
    assert error_code(normalize, "voice", "+65 6123 4567") == "phone_not_indonesian"


@pytest.mark.parametrize(
    ("channel", "raw", "code"),
    [
        ("address", " \n\t ", "value_required"),
        ("email", "", "value_required"),
        ("telegram", "@bnpb", "channel_unknown"),
        ("whatsapp", "(021) 3456789", "phone_not_mobile"),
    ],
)
def test_dispatch_errors(channel, raw, code):
    assert error_code(normalize, channel, raw) == code
