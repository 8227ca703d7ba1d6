"""Demo facts: one published clarification per verdict, a draft waiting for review, and
public bulletins (an active Alert, an Alert with its Update, an expired one, an Exercise).

Everything goes through the real services (four eyes included) as the demo staff
of `hub.demo`. Idempotent: an item that already exists is left alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies import policy
from agencies.models import Agency
from hub.facts import services
from hub.facts.models import Bulletin, Clarification

CLARIFICATIONS = [
    {
        "agency": "komdigi",
        "claim": {
            "text": (
                "Pesan berantai: 'Pemerintah membagikan bantuan tunai Rp 5 juta untuk semua "
                "pemilik KTP. Daftar sekarang lewat tautan bansos-2025.info sebelum kuota habis!'"
            ),
            "summary": "Bantuan tunai Rp 5 juta untuk semua pemilik KTP lewat tautan",
            "claimant": "Pesan berantai WhatsApp",
            "first_seen": "2025-03-01T07:30:00+07:00",
            "topics": ["bansos", "penipuan-daring"],
            "appearances": [
                {
                    "url": "https://www.facebook.com/groups/infobansos/posts/123456789/",
                    "posted_at": "2025-03-01T07:30:00+07:00",
                    "is_first": True,
                },
                {"url": "https://x.com/infobansos2025/status/1896000000000000001"},
            ],
        },
        "title": "Bantuan tunai Rp 5 juta untuk semua pemilik KTP",
        "verdict": "hoaks",
        "misinformation_type": "fabricated",
        "rating_explanation": "Tidak ada program bantuan tunai seperti yang disebut.",
        "body": (
            "Kementerian Sosial menegaskan tidak pernah mengumumkan program bantuan tunai "
            "Rp 5 juta untuk semua pemilik KTP. Penyaluran bantuan sosial hanya berdasarkan Data "
            "Terpadu Kesejahteraan Sosial dan dapat dicek di cekbansos.kemensos.go.id. Tautan "
            "yang beredar meminta nomor KTP dan foto diri, yang berisiko disalahgunakan."
        ),
        "conclusion": "Informasi tersebut hoaks. Jangan mengisi data pribadi melalui tautan itu.",
        "sources": [
            {
                "name": "Kementerian Sosial — Cek Bansos",
                "url": "https://cekbansos.kemensos.go.id",
            }
        ],
    },
    {
        "agency": "komdigi",
        "claim": {
            "text": (
                "Beredar surat berkop kementerian yang menyatakan seluruh sekolah diliburkan "
                "selama tiga bulan mulai pekan depan karena gelombang panas."
            ),
            "summary": "Surat edaran: seluruh sekolah libur tiga bulan karena gelombang panas",
            "claimant": "Akun Instagram @infosekolah_id",
            "first_seen": "2025-04-14T19:00:00+07:00",
            "topics": ["pendidikan"],
            "appearances": [
                {
                    "url": "https://www.instagram.com/p/C5abcdEFgh1/",
                    "posted_at": "2025-04-14T19:00:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Surat edaran libur sekolah tiga bulan karena gelombang panas",
        "verdict": "disinformasi",
        "misinformation_type": "impostor",
        "rating_explanation": "Surat memakai kop resmi yang dipalsukan.",
        "body": (
            "Kementerian Pendidikan Dasar dan Menengah memastikan tidak pernah menerbitkan surat "
            "edaran tersebut. Nomor surat tidak terdaftar dan tanda tangan pejabat dipindai dari "
            "dokumen lain. Kalender pendidikan tetap berjalan seperti biasa."
        ),
        "conclusion": "Surat tersebut palsu dan sengaja disebarkan untuk menyesatkan.",
        "sources": [{"name": "Kemendikdasmen", "url": "https://www.kemendikdasmen.go.id"}],
    },
    {
        "agency": "komdigi",
        "claim": {
            "text": (
                "Pesan SMS dan WhatsApp: 'Pelanggan PLN yang terpilih mendapat subsidi listrik "
                "gratis 6 bulan. Klik tautan dan masukkan kode OTP untuk aktivasi.'"
            ),
            "summary": "Subsidi listrik gratis enam bulan, aktivasi dengan kode OTP",
            "claimant": "Pengirim SMS tidak dikenal",
            "first_seen": "2025-05-02T09:15:00+07:00",
            "topics": ["penipuan-daring", "listrik"],
            "appearances": [
                {
                    "url": "https://t.me/promopln_resmi/812",
                    "posted_at": "2025-05-02T09:15:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Aktivasi subsidi listrik gratis dengan kode OTP",
        "verdict": "penipuan",
        "misinformation_type": "impostor",
        "rating_explanation": "Modus pencurian akun dengan meminta kode OTP.",
        "body": (
            "PLN tidak pernah meminta kode OTP kepada pelanggan. Tautan dalam pesan mengarah ke "
            "situs tiruan yang mencuri akses akun mobile banking. Informasi resmi hanya melalui "
            "aplikasi PLN Mobile dan contact center 123."
        ),
        "conclusion": "Pesan tersebut penipuan. Jangan pernah membagikan kode OTP.",
        "sources": [{"name": "PLN — Contact Center 123", "url": "https://web.pln.co.id"}],
    },
    {
        "agency": "pemprov-jatim",
        "claim": {
            "text": (
                "Video genangan setinggi dada di jalan raya disebut terjadi di Kabupaten Malang "
                "pagi ini akibat hujan semalam."
            ),
            "summary": "Video banjir setinggi dada di Kabupaten Malang pagi ini",
            "claimant": "Akun TikTok @beritajatimterkini",
            "first_seen": "2025-01-20T06:45:00+07:00",
            "topics": ["bencana", "banjir"],
            "regions": ["35.07"],
            "appearances": [
                {
                    "url": "https://www.tiktok.com/@beritajatimterkini/video/7461234567890123456",
                    "posted_at": "2025-01-20T06:45:00+07:00",
                    "is_first": True,
                },
                {"url": "https://www.youtube.com/watch?v=AbCdEfGhIjK"},
            ],
        },
        "title": "Video banjir setinggi dada disebut terjadi di Kabupaten Malang pagi ini",
        "verdict": "menyesatkan",
        "misinformation_type": "false_context",
        "rating_explanation": "Video asli, tetapi direkam pada 2021 di kabupaten lain.",
        "body": (
            "Penelusuran menunjukkan video tersebut pertama kali diunggah pada Februari 2021 dan "
            "merekam banjir di Kabupaten Pasuruan. BPBD Kabupaten Malang mencatat genangan "
            "setinggi 20–30 cm di dua desa, bukan setinggi dada."
        ),
        "conclusion": "Video itu menyesatkan: peristiwanya lama dan di tempat lain.",
        "sources": [
            {
                "name": "BPBD Kabupaten Malang",
                "url": "https://bpbd.malangkab.go.id",
                "agency": "bpbd-kab-malang",
            }
        ],
    },
    {
        "agency": "komdigi",
        "claim": {
            "text": "Minum air rebusan daun sirsak tiga kali sehari menyembuhkan demam berdarah.",
            "summary": "Air rebusan daun sirsak menyembuhkan demam berdarah",
            "claimant": "Grup Facebook Hidup Sehat Alami",
            "first_seen": "2025-02-10T12:00:00+07:00",
            "topics": ["kesehatan"],
            "appearances": [
                {
                    "url": "https://www.facebook.com/groups/hidupsehatalami/posts/987654321/",
                    "posted_at": "2025-02-10T12:00:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Air rebusan daun sirsak menyembuhkan demam berdarah",
        "verdict": "tidak_terbukti",
        "misinformation_type": "misleading",
        "rating_explanation": "Belum ada uji klinis yang membuktikannya.",
        "body": (
            "Kementerian Kesehatan menjelaskan belum ada penelitian klinis yang membuktikan daun "
            "sirsak menyembuhkan demam berdarah dengue. Penanganan DBD adalah menjaga cairan "
            "tubuh dan segera memeriksakan diri ke fasilitas kesehatan bila demam tinggi."
        ),
        "conclusion": "Klaim tersebut tidak terbukti. Segera ke puskesmas bila mengalami gejala.",
        "sources": [{"name": "Kementerian Kesehatan", "url": "https://www.kemkes.go.id"}],
    },
    {
        "agency": "pemprov-jatim",
        "claim": {
            "text": "Tarif tol Surabaya–Malang naik 30 persen mulai bulan depan.",
            "summary": "Tarif tol Surabaya–Malang naik 30 persen bulan depan",
            "claimant": "Unggahan X @jatimupdate",
            "first_seen": "2025-06-03T08:00:00+07:00",
            "topics": ["transportasi"],
            "regions": ["35"],
            "appearances": [
                {
                    "url": "https://x.com/jatimupdate/status/1929000000000000002",
                    "posted_at": "2025-06-03T08:00:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Tarif tol Surabaya–Malang naik 30 persen bulan depan",
        "verdict": "sebagian_benar",
        "rating_explanation": "Tarif memang naik, tetapi rata-rata 5 persen.",
        "body": (
            "Penyesuaian tarif tol Surabaya–Malang memang dijadwalkan bulan depan sesuai "
            "ketentuan penyesuaian berkala. Namun kenaikannya rata-rata 5 persen untuk "
            "kendaraan golongan I, bukan 30 persen."
        ),
        "conclusion": "Sebagian benar: ada kenaikan tarif, tetapi besarnya tidak 30 persen.",
        "sources": [{"name": "BPJT Kementerian PU", "url": "https://bpjt.pu.go.id"}],
    },
    {
        "agency": "bmkg",
        "claim": {
            "text": "BMKG akan memindahkan musim hujan ke bulan Agustus agar libur sekolah cerah.",
            "summary": "BMKG memindahkan musim hujan ke bulan Agustus",
            "claimant": "Akun parodi @bmkg_kw",
            "first_seen": "2025-07-01T10:00:00+07:00",
            "topics": ["cuaca"],
            "appearances": [
                {
                    "url": "https://x.com/bmkg_kw/status/1940000000000000003",
                    "posted_at": "2025-07-01T10:00:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "BMKG memindahkan musim hujan ke bulan Agustus",
        "verdict": "satire",
        "misinformation_type": "satire",
        "rating_explanation": "Unggahan akun parodi yang ditanggapi serius.",
        "body": (
            "Unggahan berasal dari akun parodi yang menirukan BMKG. Musim hujan ditentukan oleh "
            "dinamika atmosfer, tidak dapat dipindahkan. Informasi resmi hanya dari bmkg.go.id "
            "dan aplikasi InfoBMKG."
        ),
        "conclusion": "Unggahan tersebut satire dari akun parodi, bukan pernyataan BMKG.",
        "sources": [{"name": "BMKG", "url": "https://www.bmkg.go.id", "agency": "bmkg"}],
    },
    {
        "agency": "bmkg",
        "claim": {
            "text": (
                "BMKG mengeluarkan peringatan dini cuaca ekstrem untuk sejumlah wilayah Jawa Timur."
            ),
            "summary": "BMKG mengeluarkan peringatan dini cuaca ekstrem untuk Jawa Timur",
            "claimant": "Pesan berantai WhatsApp",
            "first_seen": "2025-12-01T06:00:00+07:00",
            "topics": ["cuaca", "bencana"],
            "regions": ["35"],
            "appearances": [
                {
                    "url": "https://www.facebook.com/infocuacajatim/posts/555555555/",
                    "posted_at": "2025-12-01T06:00:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Peringatan dini cuaca ekstrem untuk Jawa Timur",
        "verdict": "fakta",
        "rating_explanation": "Sesuai peringatan dini resmi BMKG.",
        "body": (
            "BMKG memang mengeluarkan peringatan dini hujan lebat disertai petir dan angin "
            "kencang untuk sejumlah kabupaten di Jawa Timur. Pesan yang beredar sesuai dengan "
            "rilis resmi di bmkg.go.id."
        ),
        "conclusion": "Informasi tersebut fakta. Ikuti pembaruan resmi BMKG.",
        "sources": [
            {
                "name": "BMKG — Peringatan Dini Cuaca",
                "url": "https://www.bmkg.go.id/cuaca/peringatan-dini",
                "agency": "bmkg",
            }
        ],
    },
    {
        "agency": "bpbd-kab-malang",
        "claim": {
            "text": (
                "Warga pesisir selatan Kabupaten Malang panik karena sirene tsunami berbunyi "
                "Rabu pagi; pesan berantai menyebut tsunami akan datang."
            ),
            "summary": "Sirene tsunami berbunyi di pesisir selatan Kabupaten Malang",
            "claimant": "Pesan berantai WhatsApp",
            "first_seen": "2025-10-26T10:05:00+07:00",
            "topics": ["bencana", "tsunami"],
            "regions": ["35.07"],
            "appearances": [
                {
                    "url": "https://www.facebook.com/groups/wargamalangselatan/posts/777777777/",
                    "posted_at": "2025-10-26T10:05:00+07:00",
                    "is_first": True,
                }
            ],
        },
        "title": "Sirene tsunami di pesisir selatan Kabupaten Malang adalah uji coba",
        "verdict": "klarifikasi",
        "rating_explanation": "Pernyataan resmi tentang uji coba sirene.",
        "body": (
            "BPBD Kabupaten Malang menjelaskan sirene berbunyi dalam uji coba rutin sistem "
            "peringatan dini tsunami setiap tanggal 26. Tidak ada peringatan tsunami. Jadwal "
            "uji coba diumumkan sebelumnya melalui kanal resmi BPBD."
        ),
        "conclusion": "Sirene tersebut uji coba rutin; tidak ada ancaman tsunami.",
        "sources": [
            {
                "name": "BPBD Kabupaten Malang",
                "url": "https://bpbd.malangkab.go.id",
                "agency": "bpbd-kab-malang",
            }
        ],
    },
]

DRAFT = {
    "agency": "pemprov-jatim",
    "claim": {
        "text": "Foto ikan hiu berenang di jalan yang tergenang banjir di Surabaya.",
        "summary": "Foto ikan hiu berenang di jalan banjir Surabaya",
        "claimant": "Unggahan Facebook",
        "first_seen": "2025-12-10T20:00:00+07:00",
        "topics": ["bencana", "banjir"],
        "regions": ["35.78"],
        "appearances": [
            {
                "url": "https://www.facebook.com/surabayaterkini/posts/888888888/",
                "posted_at": "2025-12-10T20:00:00+07:00",
                "is_first": True,
            }
        ],
    },
    "title": "Foto ikan hiu di jalan banjir Surabaya",
    "verdict": "hoaks",
    "misinformation_type": "manipulated",
    "rating_explanation": "Foto hasil suntingan yang beredar sejak 2011.",
    "body": (
        "Foto tersebut hasil suntingan digital yang beredar sejak 2011 dan pernah dikaitkan "
        "dengan banjir di berbagai negara. Genangan di Surabaya tidak lebih dari 40 cm."
    ),
    "conclusion": "Foto itu hoaks hasil manipulasi digital.",
    "sources": [{"name": "BPBD Kota Surabaya", "url": "https://bpbd.surabaya.go.id"}],
}


def _staff(slug: str, role: str) -> policy.Principal | None:
    user = get_user_model().objects.filter(username=f"{slug}.{role}").first()
    return policy.principal_for_user(user) if user else None


def _clarification(item: dict, *, until: str = "published") -> Clarification | None:
    agency = Agency.objects.filter(slug=item["agency"]).first()
    editor, verifier = _staff(item["agency"], "editor"), _staff(item["agency"], "verifier")
    if agency is None or editor is None or verifier is None:
        return None
    existing = Clarification.objects.filter(agency=agency, head__title=item["title"]).first()
    if existing is not None:
        return existing
    claim = services.claim_create(principal=editor, agency=agency, data=item["claim"])
    data = {k: v for k, v in item.items() if k not in ("agency", "claim")}
    clarification = services.clarification_create(
        principal=editor, agency=agency, data={**data, "claim": claim.pk}
    )
    clarification = services.clarification_submit(principal=editor, clarification=clarification)
    if until == "in_review":
        return clarification
    clarification = services.clarification_approve(principal=verifier, clarification=clarification)
    return services.clarification_publish(principal=verifier, clarification=clarification)


def _bulletin(slug: str, data: dict, *, follow: Bulletin | None = None) -> Bulletin | None:
    agency = Agency.objects.filter(slug=slug).first()
    editor, verifier = _staff(slug, "editor"), _staff(slug, "verifier")
    if agency is None or editor is None or verifier is None:
        return None
    headline = data["infos"][0]["headline"]
    existing = Bulletin.objects.filter(agency=agency, infos__0__headline=headline).first()
    if existing is not None:
        return existing
    if follow is None:
        bulletin = services.bulletin_create(principal=editor, agency=agency, data=data)
    else:
        bulletin = services.bulletin_follow_up(
            principal=editor, bulletin=follow, msg_type="Update", data=data
        )
    bulletin = services.bulletin_submit(principal=editor, bulletin=bulletin)
    bulletin = services.bulletin_approve(principal=verifier, bulletin=bulletin)
    return services.bulletin_publish(principal=verifier, bulletin=bulletin)


def _bulletins(flood_video: Clarification | None, siren: Clarification | None) -> None:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    related = [c.pk for c in (flood_video,) if c is not None]
    _bulletin(
        "bmkg",
        {
            "event": "cuaca_ekstrem",
            "urgency": "Expected",
            "severity": "Moderate",
            "certainty": "Likely",
            "response_types": ["Prepare", "Monitor"],
            "effective": now.isoformat(),
            "onset": (now + timedelta(hours=3)).isoformat(),
            "expires": (now + timedelta(days=3)).isoformat(),
            "web": "https://www.bmkg.go.id/cuaca/peringatan-dini",
            "infos": [
                {
                    "language": "id-ID",
                    "headline": "Peringatan dini cuaca ekstrem di Jawa Timur bagian selatan",
                    "description": (
                        "Hujan lebat disertai petir dan angin kencang berpotensi terjadi di "
                        "Kabupaten Malang, Blitar dan Lumajang pada sore hingga malam hari."
                    ),
                    "instruction": (
                        "Hindari berteduh di bawah pohon dan baliho; waspadai banjir dan tanah "
                        "longsor di daerah lereng."
                    ),
                },
                {
                    "language": "en-US",
                    "headline": "Extreme weather warning for southern East Java",
                    "description": "Heavy rain with lightning and strong winds is likely.",
                    "instruction": "Avoid sheltering under trees and billboards.",
                },
            ],
            "areas": [
                {"area_desc": "Kabupaten Malang", "region": "35.07"},
                {"area_desc": "Kabupaten Blitar", "region": "35.05"},
                {"area_desc": "Kabupaten Lumajang", "region": "35.08"},
            ],
        },
    )
    flood = {
        "event": "banjir",
        "urgency": "Immediate",
        "severity": "Moderate",
        "certainty": "Observed",
        "response_types": ["Prepare", "Monitor"],
        "effective": (now - timedelta(hours=2)).isoformat(),
        "onset": (now - timedelta(hours=3)).isoformat(),
        "expires": (now + timedelta(days=1)).isoformat(),
        "web": "https://bpbd.malangkab.go.id",
        "related_clarifications": related,
        "infos": [
            {
                "language": "id-ID",
                "headline": "Banjir melanda Kecamatan Dampit, Kabupaten Malang",
                "description": (
                    "Sungai Lesti meluap setelah hujan deras. Genangan 20–50 cm di Desa "
                    "Pamotan dan Desa Srimulyo."
                ),
                "instruction": "Warga bantaran sungai bersiap mengungsi; amankan dokumen penting.",
            }
        ],
        "areas": [
            {
                "area_desc": "Kecamatan Dampit, Kabupaten Malang",
                "region": "35.07.07",
                "polygons": [[[-8.17, 112.70], [-8.17, 112.82], [-8.30, 112.82], [-8.30, 112.70]]],
            }
        ],
    }
    alert = _bulletin("bpbd-kab-malang", flood)
    if alert is not None and alert.status == Bulletin.Status.PUBLISHED:
        _bulletin(
            "bpbd-kab-malang",
            {
                "severity": "Severe",
                "response_types": ["Evacuate"],
                "infos": [
                    {
                        "language": "id-ID",
                        "headline": "Banjir Dampit meluas, warga bantaran Sungai Lesti mengungsi",
                        "description": (
                            "Ketinggian air naik menjadi 80–120 cm. Genangan meluas ke Desa "
                            "Majangtengah."
                        ),
                        "instruction": (
                            "Warga bantaran Sungai Lesti segera mengungsi ke Balai Desa Pamotan."
                        ),
                    }
                ],
            },
            follow=alert,
        )
    _bulletin(
        "bpbd-kab-malang",
        {
            "event": "kekeringan",
            "urgency": "Past",
            "severity": "Minor",
            "certainty": "Observed",
            "response_types": ["Monitor"],
            "effective": (now - timedelta(days=40)).isoformat(),
            "expires": (now - timedelta(days=10)).isoformat(),
            "infos": [
                {
                    "language": "id-ID",
                    "headline": "Kekeringan di Kecamatan Sumbermanjing Wetan",
                    "description": "Distribusi air bersih dilakukan dua kali sepekan.",
                }
            ],
            "areas": [{"area_desc": "Kecamatan Sumbermanjing Wetan", "region": "35.07.08"}],
        },
    )
    _bulletin(
        "bnpb",
        {
            "cap_status": "Exercise",
            "event": "tsunami",
            "urgency": "Immediate",
            "severity": "Extreme",
            "certainty": "Possible",
            "response_types": ["Evacuate"],
            "effective": now.isoformat(),
            "expires": (now + timedelta(hours=6)).isoformat(),
            "note": "Latihan evakuasi tsunami; bukan kejadian nyata.",
            "related_clarifications": [siren.pk] if siren is not None else [],
            "infos": [
                {
                    "language": "id-ID",
                    "headline": "LATIHAN: peringatan tsunami pesisir selatan Jawa Timur",
                    "description": "Latihan evakuasi bersama BNPB dan BPBD. Bukan kejadian nyata.",
                    "instruction": "Ikuti jalur evakuasi ke titik kumpul sesuai arahan petugas.",
                }
            ],
            "areas": [
                {
                    "area_desc": "Pesisir selatan Kabupaten Malang",
                    "region": "35.07",
                    "circles": [{"lat": -8.42, "lon": 112.68, "radius_km": 10}],
                }
            ],
        },
    )


@transaction.atomic
def demo_facts() -> None:
    """Load the demo clarifications and bulletins (idempotent)."""
    published = {item["verdict"]: _clarification(item) for item in CLARIFICATIONS}
    _clarification(DRAFT, until="in_review")
    _bulletins(published.get("menyesatkan"), published.get("klarifikasi"))
