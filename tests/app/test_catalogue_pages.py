"""The public catalogue (issue 14, item 4): the brand directory by kind of product, province and
search; a page per company, brand and product with share links and QR codes; the sitemap; and
certifications that read as words on every page (never ``<… object at 0x…>``)."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode as read_qr

from app.clock import local_today
from barcode_db.models import Brand, Certification, Company, Product, Programme
from barcode_db.registry import bump_registry_version
from barcode_db.textkey import match_key
from tests.support.factories import with_check_digit
from tests.support.pages import check_page, text_of

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
#: The test client's address (the app prefers https: PREFERRED_URL_SCHEME).
BASE = "https://localhost"

#: Every programme as a shopper reads it, in both languages.
PROGRAMME_WORDS = {
    Programme.HVNCLC: (
        "Hàng Việt Nam chất lượng cao (HVNCLC)",
        "High-quality Vietnamese goods (HVNCLC)",
    ),
    Programme.NATIONAL_BRAND: ("Thương hiệu quốc gia Việt Nam", "Vietnam National Brand"),
    Programme.TRUSTED_GOODS: ("Hàng hóa - dịch vụ tin cậy", "Trusted goods and services"),
    Programme.OCOP: ("OCOP (Mỗi xã một sản phẩm)", "OCOP (One Commune One Product)"),
    Programme.OTHER: ("Chứng nhận khác", "Other certification"),
}
LANGS = {"vi": 0, "en": 1}


def _brand_of(db_session, code: str, name: str) -> Brand:
    return db_session.scalar(
        sa.select(Brand).join(Brand.company).where(Company.code == code, Brand.name == name)
    )


def _retire(db_session, row) -> None:
    row.retired_at = dt.datetime.now(dt.UTC)
    bump_registry_version(db_session)
    db_session.commit()


# ---- certifications ----------------------------------------------------------------------


@pytest.fixture
def certified(db_session, registry):
    """A company holding every programme, company-wide and through its brand, current, ended
    and withdrawn (retired), with a product of that brand."""
    company = registry.company("Công ty Chứng nhận Đủ loại", prefix="8930777", code="CERTS")
    brand = registry.brand(company, "Sao Vàng")
    gtin = with_check_digit("893077700001")
    registry.product(company, gtin, "Nước mắm Sao Vàng 500 ml", brand=brand)
    today = local_today()
    for programme in Programme:
        stars = 4 if programme is Programme.OCOP else None
        for holder in (None, brand):
            for year, valid_until, retired in (
                (2025, today + dt.timedelta(days=365), False),  # current
                (2022, today - dt.timedelta(days=30), False),  # ended
                (2019, None, True),  # withdrawn: never shown
            ):
                db_session.add(
                    Certification(
                        company_id=company.id,
                        brand_id=holder.id if holder else None,
                        subject_key=match_key(holder.name) if holder else "",
                        programme=programme,
                        year=year,
                        stars=stars,
                        valid_until=valid_until,
                        evidence_ref="test",
                        retired_at=dt.datetime.now(dt.UTC) if retired else None,
                    )
                )
    bump_registry_version(db_session)
    db_session.commit()
    return brand, gtin


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_certification_programme_reads_as_words_on_every_page(
    client, certified, lang
) -> None:
    """The directory printed ``<barcode_db.models.Brand object at 0x…>`` for a certificate a
    brand held (an OCOP star for a tea): every page now names the programme, in the reader's
    language, and the brand by its name."""
    brand, gtin = certified
    pages = {
        "directory": f"/brands?q=Sao+Vang&lang={lang}",
        "company": f"/brands/CERTS?lang={lang}",
        "brand": f"/brands/CERTS/{brand.id}?lang={lang}",
        "product": f"/products/{gtin}?lang={lang}",
        "verdict": f"/verify?code={gtin}&lang={lang}",
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        check_page(response)
        html = response.get_data(as_text=True)
        assert "object at 0x" not in html, name
        text = text_of(response)
        for programme, words in PROGRAMME_WORDS.items():
            assert words[LANGS[lang]] in text, (name, programme)
        assert "Sao Vàng" in text, name
        assert "2019" not in text, f"{name} shows a withdrawn certification"
    # The pages that list ended certifications show them apart, struck through.
    for name in ("directory", "company", "brand", "verdict"):
        html = client.get(pages[name]).get_data(as_text=True)
        ended = re.search(r'<ul class="certs expired"[^>]*>(.*?)</ul>', html, re.S)
        assert ended and "2022" in ended.group(1) and "2025" not in ended.group(1), name


def test_a_retired_brands_certification_is_not_the_companys(client, db_session, registry) -> None:
    """A brand withdrawn from the registry takes its certifications with it: they are not
    shown as the whole company's on its other products' pages and verdicts."""
    company = registry.company("Công ty Hai Thương Hiệu", prefix="8930888", code="TWO")
    kept = registry.brand(company, "Còn Bán")
    gone = registry.brand(company, "Ngừng Bán")
    gtin = with_check_digit("893088800001")
    registry.product(company, gtin, "Bánh Còn Bán", brand=kept)
    db_session.add(
        Certification(
            company_id=company.id,
            brand_id=gone.id,
            subject_key=match_key(gone.name),
            programme=Programme.OCOP,
            year=2025,
            stars=5,
            evidence_ref="test",
        )
    )
    db_session.commit()
    _retire(db_session, gone)
    for path in (f"/products/{gtin}?lang=en", f"/verify?code={gtin}&lang=en", "/brands/TWO"):
        assert "OCOP" not in text_of(client.get(path)), path


# ---- the directory -----------------------------------------------------------------------


def test_directory_is_browsable_by_kind_of_product(client, sample_registry) -> None:
    response = client.get("/brands?category=dairy&lang=en")
    check_page(response)
    text = text_of(response)
    assert "Công ty Cổ phần Sữa Việt Nam" in text and "Công ty Cổ phần Sữa TH" in text
    assert "Trung Nguyên" not in text
    assert "2 companies" in text
    # The box keeps the choice, in the reader's language.
    html = client.get("/brands?category=dairy&lang=vi").get_data(as_text=True)
    assert re.search(r'<option value="dairy" selected>Sữa và sản phẩm từ sữa</option>', html)


def test_a_product_of_its_own_kind_puts_its_company_under_that_kind(
    client, db_session, registry
) -> None:
    company = registry.company("Công ty Bánh Kẹo Hạ Long", prefix="8930555", province_code="22")
    brand = registry.brand(company, "Hạ Long")
    brand.category = "confectionery"
    registry.product(company, with_check_digit("893055500001"), "Bánh quy bơ", brand=brand)
    product = db_session.scalar(sa.select(Product).where(Product.company_id == company.id))
    product.category = "bakery"
    db_session.commit()
    for category in ("confectionery", "bakery"):
        assert "Công ty Bánh Kẹo Hạ Long" in text_of(client.get(f"/brands?category={category}"))
    assert "No company matches" in text_of(client.get("/brands?category=dairy&lang=en"))


def _listed(response) -> list[str]:
    """The companies the directory lists, in order."""
    return re.findall(
        r'<h2><a href="/brands/[^"]+">([^<]+)</a></h2>', response.get_data(as_text=True)
    )


def test_directory_filters_combine_kind_province_and_search(client, sample_registry) -> None:
    listed = _listed(client.get("/brands?category=beverages&province=79&lang=en"))
    assert listed == ["Tổng Công ty Cổ phần Bia - Rượu - Nước giải khát Sài Gòn"]
    listed = _listed(client.get("/brands?category=beverages&q=g7&lang=en"))
    assert listed == ["Công ty Cổ phần Tập đoàn Trung Nguyên"]


def test_an_unknown_kind_of_product_is_a_400_naming_the_box(client, db_session) -> None:
    response = client.get("/brands?category=cars&lang=en")
    assert response.status_code == 400
    assert "“Kind of product”" in text_of(response)
    assert "Choose a kind of product from the list." in text_of(response)
    assert "instant_food" not in text_of(response)  # the codes behind the list's words


def test_directory_pages_keep_the_filters(client, db_session, registry) -> None:
    for n in range(21):
        company = registry.company(f"Công ty Sữa {n:02d}")
        brand = registry.brand(company, f"Sữa số {n:02d}")
        brand.category = "dairy"
    db_session.commit()
    first = client.get("/brands?category=dairy&lang=en")
    assert "21 companies" in text_of(first)
    next_link = re.search(r'<a href="([^"]+)" id="next-page">', first.get_data(as_text=True))
    assert next_link and "category=dairy" in next_link.group(1)
    second = text_of(client.get(next_link.group(1).replace("&amp;", "&")))
    assert "Công ty Sữa 20" in second and "Công ty Sữa 00" not in second


def test_sample_companies_are_marked_on_their_cards(client, sample_registry, registry) -> None:
    registry.company("Công ty Thật Sự", code="REAL")
    html = client.get("/brands?lang=en").get_data(as_text=True)
    cards = re.findall(r'<li class="card">(.*?)</li>\s*(?=<li class="card">|</ul>)', html, re.S)
    real = [c for c in cards if "Công ty Thật Sự" in c]
    sample = [c for c in cards if "Công ty Cổ phần Sữa Việt Nam" in c]
    assert real and "Sample data" not in real[0]
    assert sample and "Sample data" in sample[0]


# ---- the company, brand and product pages -----------------------------------------------


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("vi", ["Mì ăn liền và thực phẩm chế biến sẵn", "Acecook Co., Ltd.", "Nhật Bản"]),
        ("en", ["Instant noodles and ready meals", "Acecook Co., Ltd.", "Japan"]),
    ],
)
def test_company_page_says_what_the_shopper_wants_to_know(
    client, sample_registry, lang, says
) -> None:
    response = client.get(f"/brands/ACV?lang={lang}")
    check_page(response)
    text = text_of(response)
    for words in says:
        assert words in text
    assert "Mẫu / sample: chưa đối chiếu / not checked" in text  # the source, as recorded
    html = response.get_data(as_text=True)
    assert 'href="/products/8934563138165"' in html
    assert re.search(r'href="/brands/ACV/\d+">Hảo Hảo</a>', html)
    assert "sample-banner" in html


def test_company_facts_give_their_source_and_the_day_they_were_checked(
    client, db_session, registry
) -> None:
    company = registry.company("Công ty Giày Thượng Đình", code="GTD")
    company.tax_code = "0100100745"
    company.made_in = "Hà Nội; Bắc Ninh"
    company.owner_group = "Tập đoàn Thử"
    company.owner_country = "KR"
    company.source = "Cổng thông tin quốc gia về đăng ký doanh nghiệp"
    company.checked_on = dt.date(2026, 3, 12)
    bump_registry_version(db_session)
    db_session.commit()
    text = text_of(client.get("/brands/GTD?lang=vi"))
    for words in (
        "0100100745",
        "Hà Nội; Bắc Ninh",
        "Tập đoàn Thử (Hàn Quốc)",
        "Cổng thông tin quốc gia về đăng ký doanh nghiệp",
        "12/03/2026",
    ):
        assert words in text
    assert "Tập đoàn Thử (South Korea)" in text_of(client.get("/brands/GTD?lang=en"))


def test_company_facts_nobody_checked_say_so(client, registry) -> None:
    registry.company("Công ty Chưa Kiểm", code="UNCHECKED")
    text = text_of(client.get("/brands/UNCHECKED?lang=en"))
    assert "not checked" in text


def test_brand_page_lists_its_products_and_links_its_company(
    client, sample_registry, db_session
) -> None:
    vinamilk = _brand_of(db_session, "VNM", "Vinamilk")
    response = client.get(f"/brands/VNM/{vinamilk.id}?lang=en")
    check_page(response)
    html = response.get_data(as_text=True)
    assert 'href="/products/8934673000017"' in html
    assert 'href="/brands/VNM" id="company-link"' in html
    assert "Milk and dairy products" in text_of(response)
    # The address names both: another company's code is no way to this brand.
    assert client.get(f"/brands/THM/{vinamilk.id}").status_code == 404
    _retire(db_session, vinamilk)
    assert client.get(f"/brands/VNM/{vinamilk.id}").status_code == 404


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_product_page(client, sample_registry, lang) -> None:
    response = client.get(f"/products/8934673000017?lang={lang}")
    check_page(response)
    text = text_of(response)
    html = response.get_data(as_text=True)
    assert "Sữa tươi tiệt trùng Vinamilk 100% có đường 180 ml" in text
    assert ("Sữa và sản phẩm từ sữa" if lang == "vi" else "Milk and dairy products") in text
    assert PROGRAMME_WORDS[Programme.NATIONAL_BRAND][LANGS[lang]] in text  # held now
    assert re.search(r'href="/brands/VNM/\d+" id="brand-link">Vinamilk</a>', html)
    assert 'href="/brands/VNM" id="company-link"' in html
    # A Vietnamese alternative of the same kind, to tap; never the product itself.
    alternatives = re.search(r'id="alternatives">(.*?)</section>', html, re.S)
    assert alternatives and 'href="/products/8936024000127"' in alternatives.group(1)
    assert "8934673000017" not in alternatives.group(1)
    assert "sample-banner" in html


def test_fourteen_digits_go_to_the_number_as_printed(client, sample_registry) -> None:
    response = client.get("/products/08934673000017")
    assert response.status_code == 301
    assert response.headers["Location"] == "/products/8934673000017"


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/products/8934673000024", "No product with the barcode number 8934673000024"),
        ("/products/893467300001", "No product with the barcode number 893467300001"),
        ("/products/hello", "does not name a product barcode number"),
        ("/products/123", "does not name a product barcode number"),
    ],
)
def test_unknown_product_is_a_404_that_says_so(client, sample_registry, path, says) -> None:
    response = client.get(f"{path}?lang=en")
    assert response.status_code == 404
    check_page(response)
    assert says in text_of(response)


def test_retired_product_and_retired_company_have_no_pages(
    client, sample_registry, db_session
) -> None:
    product = db_session.scalar(sa.select(Product).where(Product.gtin == "08934673000017"))
    _retire(db_session, product)
    assert client.get("/products/8934673000017").status_code == 404
    company = db_session.scalar(sa.select(Company).where(Company.code == "THM"))
    _retire(db_session, company)
    assert client.get("/products/8936024000127").status_code == 404
    assert client.get("/brands/THM").status_code == 404


def test_product_page_names_the_label_of_a_confirmed_counterfeit(
    client, sample_registry, make_complaint, db_session
) -> None:
    complaint = make_complaint(status="CONFIRMED", gtin="8934673000017", province_code="79")
    complaint.brand_seen = "Vinamiik"
    db_session.commit()
    response = client.get("/products/8934673000017?lang=en")
    section = re.search(
        r'id="confirmed-cases">(.*?)</section>', response.get_data(as_text=True), re.S
    )
    assert section, "the confirmed case is shown"
    assert "“Vinamiik”" in section.group(1)
    assert "confirmed a counterfeit" in section.group(1)


# ---- share links and QR codes ------------------------------------------------------------


def test_every_catalogue_page_shares_its_address_as_a_qr_code(
    client, sample_registry, db_session
) -> None:
    vinamilk = _brand_of(db_session, "VNM", "Vinamilk")
    for path in ("/brands/VNM", f"/brands/VNM/{vinamilk.id}", "/products/8934673000017"):
        html = client.get(path).get_data(as_text=True)
        link = re.search(r'<a href="([^"]+)" id="share-link">', html)
        assert link and link.group(1) == f"{BASE}{path}", path
        qr_src = re.search(r'<img class="qr" id="share-qr" src="([^"]+)"', html)
        assert qr_src, path
        image = client.get(qr_src.group(1))
        assert image.status_code == 200 and image.mimetype == "image/png"
        [code] = read_qr(Image.open(io.BytesIO(image.data)))
        assert code.data.decode() == f"{BASE}{path}", path


def test_qr_codes_of_records_without_pages_are_404(client, sample_registry) -> None:
    for path in ("/brands/NOPE/qr.png", "/brands/VNM/999999/qr.png", "/products/12345670/qr.png"):
        assert client.get(path).status_code == 404, path


# ---- the sitemap -------------------------------------------------------------------------


def _locations(response) -> list[str]:
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP}urlset"
    return [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]


def test_sitemap_lists_the_public_pages_of_active_records(
    client, sample_registry, db_session
) -> None:
    _retire(db_session, db_session.scalar(sa.select(Company).where(Company.code == "HAB")))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    found = _locations(response)
    vinamilk = _brand_of(db_session, "VNM", "Vinamilk")
    for path in (
        "/",
        "/about",
        "/brands",
        "/brands/VNM",
        f"/brands/VNM/{vinamilk.id}",
        "/products/8934673000017",
        "/brands/HTX-TC",  # sample records too: their pages say they are samples
    ):
        assert f"{BASE}{path}" in found, path
    assert f"{BASE}/brands/HAB" not in found  # retired
    assert all(loc.startswith(f"{BASE}/") for loc in found)
    assert len(found) == len(set(found))
    # Every address listed opens a page.
    for loc in found:
        assert client.get(loc.removeprefix(BASE)).status_code == 200, loc


def test_a_sitemap_too_long_for_one_file_is_an_index_of_parts(
    client, sample_registry, monkeypatch
) -> None:
    whole = set(_locations(client.get("/sitemap.xml")))
    monkeypatch.setattr("app.public.catalogue.SITEMAP_URLS", 10)
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
    assert len(parts) == -(-len(whole) // 10)
    listed: list[str] = []
    for part in parts:
        listed += _locations(client.get(part.removeprefix(BASE)))
    assert sorted(listed) == sorted(whole)
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
