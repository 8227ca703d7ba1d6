"""vCard 4.0 and jCard output (no database needed)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
import vobject

from agencies.vcard import Address, Card, Email, Social, Tel, to_jcard, to_vcard

WIB = timezone(timedelta(hours=7))
FN_MALANG = "Dinas Komunikasi dan Informatika Kab. Malang — Layanan 24 jam"
NOTE = "Layanan 24 jam; termasuk hari libur,\nuntuk keadaan darurat hubungi 112. Jalur C:\\PPID"


MALANG = Card(
    fn=FN_MALANG,
    org="Pemerintah Kabupaten Malang",
    org_units=("Dinas Komunikasi dan Informatika; Bidang IKP",),
    tel=[
        Tel("+62341551234", ("work", "voice"), 1),
        Tel("112"),
        Tel("+6281234567890", ("cell", "text")),
        Tel("+62341551235", ("fax",)),
    ],
    email=[Email("humas@malangkab.go.id", ("work",), 1), Email("ppid@malangkab.go.id")],
    url=["https://kominfo.malangkab.go.id/", "https://malangkab.go.id/"],
    adr=Address(
        street="Jl. Panji No. 158, Kepanjen",
        locality="Kab. Malang",
        region="Jawa Timur",
        postal_code="65163",
        label="Jl. Panji No. 158\nKepanjen, Kab. Malang",
    ),
    geo=(-8.1299, 112.5721),
    note=NOTE,
    categories=["Pemerintah Daerah", "Kominfo, Humas"],
    uid="urn:uuid:5b7d2f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
    rev=datetime(2025, 1, 31, 15, 0, tzinfo=WIB),
    social=[
        Social("instagram", "https://www.instagram.com/kominfomalangkab/", "kominfomalangkab"),
        Social("x", "https://x.com/KominfoMalang", "KominfoMalang"),
    ],
    lang="id",
)


def malang_card(**overrides):
    return replace(MALANG, **overrides)


def parse(text):
    return list(vobject.readComponents(text))


# ---------------------------------------------------------------------------
# vCard text
# ---------------------------------------------------------------------------


def test_structure_and_line_endings():
    text = to_vcard([malang_card()])
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert text.endswith("END:VCARD\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    assert "KIND:org\r\n" in text


def test_round_trip_through_vobject():
    (card,) = parse(to_vcard([malang_card()]))
    assert card.fn.value == FN_MALANG
    assert card.org.value == [
        "Pemerintah Kabupaten Malang",
        "Dinas Komunikasi dan Informatika; Bidang IKP",
    ]
    assert [tel.value for tel in card.tel_list] == [
        "tel:+62341551234",
        "tel:112",
        "tel:+6281234567890",
        "tel:+62341551235",
    ]
    assert card.tel_list[0].params["TYPE"] == ["work", "voice"]
    assert card.tel_list[0].params["PREF"] == ["1"]
    assert card.tel_list[0].params["VALUE"] == ["uri"]
    assert [email.value for email in card.email_list] == [
        "humas@malangkab.go.id",
        "ppid@malangkab.go.id",
    ]
    assert [url.value for url in card.url_list] == [
        "https://kominfo.malangkab.go.id/",
        "https://malangkab.go.id/",
    ]
    adr = card.adr.value
    assert (adr.street, adr.city, adr.region, adr.code, adr.country) == (
        "Jl. Panji No. 158, Kepanjen",
        "Kab. Malang",
        "Jawa Timur",
        "65163",
        "Indonesia",
    )
    assert card.note.value == NOTE
    assert card.categories.value == ["Pemerintah Daerah", "Kominfo, Humas"]
    assert card.geo.value == "geo:-8.1299,112.5721"
    assert card.uid.value == "urn:uuid:5b7d2f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def test_tel_uses_uri_values():
    text = to_vcard([malang_card()])
    assert "TEL;VALUE=uri;TYPE=work,voice;PREF=1:tel:+62341551234\r\n" in text
    assert "TEL;VALUE=uri;TYPE=voice:tel:112\r\n" in text
    assert "TEL;VALUE=uri;TYPE=cell,text:tel:+6281234567890\r\n" in text


def test_escaping_of_text_values():
    text = to_vcard([Card(fn="A, B; C", note="satu, dua; tiga \\ empat\r\nlima")])
    assert "FN:A\\, B\\; C\r\n" in text
    assert "NOTE:satu\\, dua\\; tiga \\\\ empat\\nlima\r\n" in text
    (card,) = parse(text)
    assert card.fn.value == "A, B; C"
    assert card.note.value == "satu, dua; tiga \\ empat\nlima"


def test_control_characters_are_dropped_from_text():
    text = to_vcard([Card(fn="BNPB\x00\x07", note="a\tb\x1bc")])
    assert "FN:BNPB\r\n" in text
    assert "NOTE:a\tbc\r\n" in text


def test_parameter_values_are_quoted_and_caret_encoded():
    text = to_vcard([malang_card()])
    unfolded = text.replace("\r\n ", "")
    assert 'ADR;TYPE=work;LABEL="Jl. Panji No. 158^nKepanjen, Kab. Malang":' in unfolded


def test_rev_is_utc():
    text = to_vcard([malang_card()])
    assert "REV:20250131T080000Z\r\n" in text


def test_social_profiles():
    text = to_vcard([malang_card()]).replace("\r\n ", "")
    assert (
        "SOCIALPROFILE;SERVICE-TYPE=Instagram;USERNAME=kominfomalangkab:"
        "https://www.instagram.com/kominfomalangkab/\r\n"
    ) in text
    assert (
        "X-SOCIALPROFILE;TYPE=instagram;X-USER=kominfomalangkab:"
        "https://www.instagram.com/kominfomalangkab/\r\n"
    ) in text
    assert "X-SOCIALPROFILE" not in to_vcard([malang_card()], apple_social=False)


def _check_folding(text):
    for line in text.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75, line


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    note = "Posko Tanggap Darurat — Bencana Hidrometeorologi Kab. Malang é " * 8
    fn = "Badan Penanggulangan Bencana Daerah Kabupaten Malang — Pusat Pengendalian Operasi"
    text = to_vcard([Card(fn=fn, note=note)])
    _check_folding(text)
    raw = text.encode("utf-8")
    lines = raw.split(b"\r\n")
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # every physical line is valid UTF-8 on its own
    unfolded = text.replace("\r\n ", "")
    assert f"NOTE:{note}\r\n" in unfolded
    (card,) = parse(text)
    assert card.fn.value == fn
    assert card.note.value == note


def test_folding_of_every_line_in_a_full_card():
    text = to_vcard([malang_card(note="x" * 500)])
    _check_folding(text)
    assert parse(text)[0].note.value == "x" * 500


def test_multiple_cards_in_one_file():
    cards = [
        malang_card(),
        Card(
            fn="Budi Santoso",
            kind="individual",
            n=("Santoso", "Budi", "", "", ""),
            title="Kepala Dinas",
            role="Pejabat Pengelola Informasi dan Dokumentasi",
            tel=[Tel("+6281234567890", ("cell",))],
        ),
        Card(
            fn="Posko Pengungsian GOR Kepanjen",
            kind="location",
            adr=Address(street="Jl. Sumedang", locality="Kepanjen", region="Jawa Timur"),
            geo=(-8.13, 112.57),
        ),
    ]
    text = to_vcard(cards)
    assert text.count("BEGIN:VCARD\r\n") == 3
    parsed = parse(text)
    assert [card.fn.value for card in parsed] == [card.fn for card in cards]
    assert parsed[1].n.value.family == "Santoso"
    assert parsed[1].title.value == "Kepala Dinas"
    assert parsed[2].kind.value == "location"


def test_empty_iterable_gives_empty_text():
    assert to_vcard([]) == ""


@pytest.mark.parametrize(
    "overrides",
    [
        {"fn": "  "},
        {"kind": "company"},
        {"tel": [Tel("0341551234")]},
        {"tel": [Tel("+62341551234", ("mobile",))]},
        {"tel": [Tel("+62341551234", pref=0)]},
        {"rev": datetime(2025, 1, 31, 15, 0)},
        {"geo": (91.0, 0.0)},
        {"social": [Social("threads", "https://www.threads.net/@bnpb")]},
        {"n": ("Santoso", "Budi")},
        {"url": ["https://bnpb.go.id/berita gempa"]},
        {"url": ["bnpb.go.id"]},
        {"email": [Email("humas@bnpb.go.id\nBCC: x@example.com")]},
        {"lang": "bahasa indonesia"},
    ],
)
def test_invalid_cards_are_refused(overrides):
    with pytest.raises(ValueError):
        to_vcard([malang_card(**overrides)])
    with pytest.raises(ValueError):
        to_jcard(malang_card(**overrides))


def test_text_uid():
    text = to_vcard([Card(fn="BNPB", uid="kontak-42")])
    assert "UID;VALUE=text:kontak-42\r\n" in text


# ---------------------------------------------------------------------------
# jCard
# ---------------------------------------------------------------------------


def test_jcard_shape():
    jcard = to_jcard(malang_card())
    assert jcard[0] == "vcard"
    assert len(jcard) == 2
    props = jcard[1]
    assert props[0] == ["version", {}, "text", "4.0"]
    for prop in props:
        name, params, value_type, *values = prop
        assert name == name.lower() and isinstance(name, str)
        assert isinstance(params, dict)
        assert all(key == key.lower() for key in params)
        assert isinstance(value_type, str)
        assert values
    json.loads(json.dumps(jcard))


def test_jcard_values():
    props = to_jcard(malang_card())[1]

    def find(name):
        return [prop for prop in props if prop[0] == name]

    assert find("fn") == [["fn", {}, "text", FN_MALANG]]
    assert find("org") == [
        [
            "org",
            {},
            "text",
            ["Pemerintah Kabupaten Malang", "Dinas Komunikasi dan Informatika; Bidang IKP"],
        ]
    ]
    assert find("tel")[0] == [
        "tel",
        {"type": ["work", "voice"], "pref": "1"},
        "uri",
        "tel:+62341551234",
    ]
    assert find("tel")[1] == ["tel", {"type": "voice"}, "uri", "tel:112"]
    assert find("email")[0] == [
        "email",
        {"type": "work", "pref": "1"},
        "text",
        "humas@malangkab.go.id",
    ]
    assert find("email")[1] == ["email", {}, "text", "ppid@malangkab.go.id"]
    assert find("url")[0] == ["url", {}, "uri", "https://kominfo.malangkab.go.id/"]
    assert find("adr") == [
        [
            "adr",
            {"type": "work", "label": "Jl. Panji No. 158\nKepanjen, Kab. Malang"},
            "text",
            [
                "",
                "",
                "Jl. Panji No. 158, Kepanjen",
                "Kab. Malang",
                "Jawa Timur",
                "65163",
                "Indonesia",
            ],
        ]
    ]
    assert find("geo") == [["geo", {}, "uri", "geo:-8.1299,112.5721"]]
    assert find("categories") == [["categories", {}, "text", "Pemerintah Daerah", "Kominfo, Humas"]]
    assert find("note") == [["note", {}, "text", NOTE]]
    assert find("lang") == [["lang", {}, "language-tag", "id"]]
    assert find("rev") == [["rev", {}, "timestamp", "2025-01-31T08:00:00Z"]]
    assert find("uid") == [["uid", {}, "uri", "urn:uuid:5b7d2f0e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"]]
    assert find("socialprofile")[0] == [
        "socialprofile",
        {"service-type": "Instagram", "username": "kominfomalangkab"},
        "uri",
        "https://www.instagram.com/kominfomalangkab/",
    ]
    assert find("x-socialprofile") == []


def test_jcard_single_org_is_a_string():
    props = to_jcard(Card(fn="BNPB", org="Badan Nasional Penanggulangan Bencana"))[1]
    assert ["org", {}, "text", "Badan Nasional Penanggulangan Bencana"] in props


def test_jcard_and_vcard_agree_on_rev():
    rev = datetime(2025, 6, 1, 0, 30, tzinfo=UTC)
    card = Card(fn="BNPB", rev=rev)
    assert "REV:20250601T003000Z\r\n" in to_vcard([card])
    assert ["rev", {}, "timestamp", "2025-06-01T00:30:00Z"] in to_jcard(card)[1]
