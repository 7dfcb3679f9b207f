"""Registry admin pages: search and list companies; a company's prefixes, brands, products,
certifications and audit history, with forms to add, edit, retire and restore them; import of the
association's list (CSV or XLSX) with a preview first.

Every change goes through :mod:`barcode_db.admin`, which cleans the values by the registry's rules
(the importer's too), writes the audit event and bumps the registry version, so verdicts change
at once. Each change is one unit of work (:mod:`app.unit_of_work`): a refusal re-renders the page
with its problems under the fields they are about (400, or 409 for a clash with a change made
meanwhile); successes redirect (303) with a flash message.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from babel import Locale
from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from app.auth.access import TRIAGE_ROLES, roles_required
from app.clock import LOCAL_TZ, local_today, utc_now
from app.errors import handle_http_error
from app.extensions import db
from app.i18n import current_language, day, render_message
from app.query_args import PageQuery, read_query
from app.registry_admin import blueprint
from app.registry_admin.forms import (
    ActionForm,
    BrandForm,
    CertificationForm,
    CompanyForm,
    ConfirmImportForm,
    ImportForm,
    PrefixForm,
    ProductForm,
)
from app.unit_of_work import transactional, unit_of_work
from barcode_db import admin
from barcode_db.areas import provinces
from barcode_db.categories import category
from barcode_db.gtin import printed_gtin
from barcode_db.importer import ImportReport
from barcode_db.messages import N_, Refusal
from barcode_db.models import (
    Brand,
    Certification,
    Company,
    CompanyPrefix,
    Product,
    RegistryAction,
    RegistryEvent,
)
from barcode_db.registry_files import MAX_UPLOAD_BYTES, RECORD_KINDS, RowError, read_upload
from barcode_db.registry_rules import COUNTRY_CODES
from barcode_db.textkey import LIKE_ESCAPE, like_pattern, match_key, search_key
from complaints.queries import fetch_people, read_id

PER_PAGE = 50
#: The request bodies of the import: the file and its multipart envelope; the file again as
#: base64 in the confirmation. Registered in BODY_LIMITS, applied before the body is read.
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024
CONFIRM_BODY_LIMIT = 4 * (MAX_UPLOAD_BYTES // 3 + 1) + 64 * 1024
IMPORT_ENDPOINTS = ("registry_admin.import_upload", "registry_admin.import_confirm")

ENTITY_NAMES = {
    "company": N_("Company"),
    "prefix": N_("Prefix"),
    "brand": N_("Brand"),
    "product": N_("Product"),
    "certification": N_("Certification"),
    "registry": N_("Registry"),
}
ACTION_NAMES = {
    "create": N_("created"),
    "update": N_("changed"),
    "retire": N_("retired"),
    "restore": N_("restored"),
    "import": N_("imported"),
}
FIELD_NAMES = {
    "code": N_("Code"),
    "name": N_("Name"),
    "tax_code": N_("Tax code"),
    "address": N_("Address"),
    "province_code": N_("Province"),
    "website": N_("Website"),
    "prefix": N_("Prefix"),
    "company": N_("Company"),
    "gtin": N_("GTIN"),
    "brand": N_("Brand"),
    "programme": N_("Programme"),
    "year": N_("Year"),
    "stars": N_("Stars"),
    "valid_until": N_("Valid until"),
    "evidence_ref": N_("Evidence"),
    "retired_at": N_("Retired"),
    "rows": N_("Rows"),
    "created": N_("Created"),
    "updated": N_("Updated"),
    "not_restored": N_("Retired, left as they were"),
    "sha256": "SHA-256",
    "category": N_("Category"),
    "made_in": N_("Where its goods are made"),
    "owner_group": N_("Group"),
    "owner_country": N_("Country of that group"),
    "source": N_("Source of these facts"),
    "checked_on": N_("Checked on"),
}
KIND_NAMES = {
    "company": N_("Companies"),
    "prefix": N_("Prefixes"),
    "brand": N_("Brands"),
    "product": N_("Products"),
    "certification": N_("Certifications"),
}
#: URL words of the retire and restore actions, and the rows they act on.
STATE_MODELS: dict[str, type[Any]] = {
    "companies": Company,
    "prefixes": CompanyPrefix,
    "brands": Brand,
    "products": Product,
    "certifications": Certification,
}


@blueprint.record_once
def _register_body_limits(state: Any) -> None:
    limits = state.app.config.setdefault("BODY_LIMITS", {})
    limits.setdefault("registry_admin.import_upload", UPLOAD_BODY_LIMIT)
    limits.setdefault("registry_admin.import_confirm", CONFIRM_BODY_LIMIT)


def registry_value(field: str, value: Any) -> Any:
    """A stored value of a registry field as staff read it: a GTIN as printed, a category, a
    province or a country by name, a date day first; anything else as it is."""
    if not isinstance(value, str) or not value:
        return value
    if field == "gtin":
        return printed_gtin(value)
    if field == "category":
        known = category(value)
        return gettext(known.name) if known else value
    if field == "province_code":
        province = provinces().get(value)
        return province.name if province else value
    if field == "owner_country":
        return _country_names().get(value, value)
    if field in ("checked_on", "valid_until"):
        try:
            return day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


@blueprint.app_context_processor
def registry_admin_globals() -> dict[str, Any]:
    return {
        "registry_entity_names": ENTITY_NAMES,
        "registry_action_names": ACTION_NAMES,
        "registry_field_names": FIELD_NAMES,
        "registry_value": registry_value,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }


@blueprint.after_request
def no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.errorhandler(413)
def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A registry list over the limit: say so on the import page (before the body was read)."""
    allowed = current_user.is_authenticated and current_user.role in TRIAGE_ROLES
    if request.endpoint not in IMPORT_ENDPOINTS or not allowed:
        return handle_http_error(error)
    return _import_page(error=_too_large_message(), status=413)


def _actor() -> str:
    return str(current_user.username)


def _too_large_message() -> str:
    return gettext(
        "The file is too large: registry lists up to %(limit)s MB are accepted.",
        limit=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


def _changed(
    operation: Callable[[], Any],
    *,
    success: str,
    target: str | Callable[[Any], str],
    on_error: Callable[[Refusal], ResponseReturnValue],
) -> ResponseReturnValue:
    """Run a registry change as one unit of work; a refusal re-renders the page with it.

    ``target`` is where to go after success, or a function of the operation's result giving it.
    """
    try:
        with unit_of_work():
            result = operation()
    except Refusal as refusal:
        return on_error(refusal)
    flash(success, "success")
    return redirect(target(result) if callable(target) else target, 303)


def _problems_on(form: Any, refusal: Refusal) -> str | None:
    """Put a refusal's problems under the form's fields they are about; return the others (the
    record as a whole, a clash with another change) as the text of the page's error box."""
    problems = getattr(refusal, "problems", None) or {"": refusal.message}
    elsewhere = []
    for name, message in problems.items():
        if name and form is not None and name in form:
            form[name].errors = [*form[name].errors, render_message(message)]
        else:
            elsewhere.append(render_message(message))
    return " ".join(elsewhere) or None


def _get_or_404(model: type[Any], item_id: int) -> Any:
    row = db.session.get(model, item_id)
    if row is None:
        abort(404)
    return row


# --- companies ------------------------------------------------------------------------------------


def _search(query: str) -> sa.ColumnElement[bool]:
    """Companies whose name, code or brand contain the query (diacritics-insensitive), or whose
    tax code, prefix or product number it gives."""
    brand = like_pattern(match_key(query))
    conditions = [
        Company.name_key.like(like_pattern(search_key(query)), escape=LIKE_ESCAPE),
        Company.code.ilike(like_pattern(query), escape=LIKE_ESCAPE),
        Company.id.in_(
            sa.select(Brand.company_id).where(Brand.name_key.like(brand, escape=LIKE_ESCAPE))
        ),
    ]
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 3 and len(digits) == len(query.replace(" ", "").replace("-", "")):
        body = digits.zfill(14)[1:] if len(digits) >= 12 else digits
        conditions += [
            Company.tax_code.like(f"{digits}%"),
            Company.id.in_(
                sa.select(CompanyPrefix.company_id).where(
                    sa.or_(
                        CompanyPrefix.prefix.like(f"{digits}%"),
                        CompanyPrefix.prefix.in_([body[:n] for n in range(7, 11)]),
                    )
                )
            ),
            Company.id.in_(sa.select(Product.company_id).where(Product.gtin == digits.zfill(14))),
        ]
    return sa.or_(*conditions)


@blueprint.get("/")
@roles_required(*TRIAGE_ROLES)
def index() -> ResponseReturnValue:
    args = read_query(PageQuery)
    query, page = args["q"][:100], args["page"]
    statement = (
        sa.select(Company)
        .options(selectinload(Company.prefixes), selectinload(Company.brands))
        .order_by(Company.name_key, Company.id)
    )
    if query:
        statement = statement.where(_search(query))
    pagination = db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)
    return render_template(
        "registry_admin/index.html", pagination=pagination, query=query, provinces=provinces()
    )


def _province_choices() -> list[SelectChoice]:
    return [SelectChoice("", gettext("— none —"))] + [
        SelectChoice(p.code, p.name) for p in provinces().values()
    ]


@functools.cache
def _countries_in(lang: str) -> dict[str, str]:
    names = Locale.parse(lang).territories
    english = Locale.parse("en").territories
    return {code: str(names.get(code) or english.get(code) or code) for code in COUNTRY_CODES}


def _country_names() -> dict[str, str]:
    """The countries the registry's rules accept, by their CLDR names in the reader's language
    (English where CLDR has no name in it)."""
    return _countries_in(current_language())


def _country_choices() -> list[SelectChoice]:
    """Countries sorted by name as the reader reads them (Đức among the D's)."""
    countries = sorted(_country_names().items(), key=lambda item: (search_key(item[1]), item[1]))
    return [SelectChoice("", gettext("— none —"))] + [
        SelectChoice(code, f"{name} ({code})") for code, name in countries
    ]


def _company_fields(form: CompanyForm) -> admin.CompanyFields:
    return admin.CompanyFields(
        code=form.code.data or "",
        name=form.name.data or "",
        tax_code=form.tax_code.data or "",
        address=form.address.data or "",
        province_code=form.province_code.data or "",
        website=form.website.data or "",
        made_in=form.made_in.data or "",
        owner_group=form.owner_group.data or "",
        owner_country=form.owner_country.data or "",
        source=form.source.data or "",
        checked_on=form.checked_on.data or None,
    )


def _company_form_page(
    form: CompanyForm, company: Company | None, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "registry_admin/company_form.html", form=form, company=company, error=error
    ), status


@blueprint.route("/companies/new", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
def company_new() -> ResponseReturnValue:
    form = CompanyForm()
    form.province_code.choices = _province_choices()
    form.owner_country.choices = _country_choices()
    if request.method == "GET":
        return _company_form_page(form, None)
    return _changed(
        lambda: admin.create_company(
            db.session, _company_fields(form), actor=_actor(), now=utc_now()
        ),
        success=gettext("The company was added."),
        target=lambda company: url_for(".company", company_id=company.id),
        on_error=lambda refusal: _company_form_page(
            form, None, error=_problems_on(form, refusal), status=refusal.status
        ),
    )


@blueprint.route("/companies/<int:company_id>/edit", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
def company_edit(company_id: int) -> ResponseReturnValue:
    company: Company = _get_or_404(Company, company_id)
    form = CompanyForm(obj=company if request.method == "GET" else None)
    form.province_code.choices = _province_choices()
    form.owner_country.choices = _country_choices()
    if request.method == "GET":
        return _company_form_page(form, company)
    return _changed(
        lambda: admin.update_company(
            db.session, company, _company_fields(form), actor=_actor(), now=utc_now()
        ),
        success=gettext("The company was saved."),
        target=url_for(".company", company_id=company_id),
        on_error=lambda refusal: _company_form_page(
            form, company, error=_problems_on(form, refusal), status=refusal.status
        ),
    )


def _brand_choices(company: Company, *, empty: str, keep: int | None = None) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [
        SelectChoice(str(b.id), b.name)
        for b in company.brands
        if b.retired_at is None or b.id == keep
    ]


def _company_page(
    company: Company,
    *,
    status: int = 200,
    error: str | None = None,
    error_at: str = "",
    forms: dict[str, Any] | None = None,
) -> ResponseReturnValue:
    """The company's page; ``forms`` replaces a blank add-form by the one that was refused."""
    forms = forms or {}
    product_form = forms.get("product") or ProductForm(formdata=None, prefix="product")
    product_form.brand_id.choices = _brand_choices(company, empty=gettext("— no brand —"))
    cert_form = forms.get("certification") or CertificationForm(
        formdata=None, prefix="certification"
    )
    cert_form.brand_id.choices = _brand_choices(company, empty=gettext("— the whole company —"))
    products = list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.company_id == company.id)
            .options(selectinload(Product.brand))
            .order_by(Product.gtin)
        )
    )
    history = admin.company_history(db.session, company)
    return render_template(
        "registry_admin/company.html",
        company=company,
        products=products,
        history=history,
        people=fetch_people(db.session, [event.actor for event in history]),
        prefix_form=forms.get("prefix") or PrefixForm(formdata=None, prefix="prefix"),
        brand_form=forms.get("brand") or BrandForm(formdata=None, prefix="brand"),
        product_form=product_form,
        cert_form=cert_form,
        action_form=ActionForm(formdata=None),
        provinces=provinces(),
        today=local_today(),
        error=error,
        error_at=error_at,
    ), status


@blueprint.get("/companies/<int:company_id>")
@roles_required(*TRIAGE_ROLES)
def company(company_id: int) -> ResponseReturnValue:
    return _company_page(_get_or_404(Company, company_id))


def _add(
    company_id: int,
    kind: str,
    form: Any,
    operation: Callable[[Company], object],
    success: str,
) -> ResponseReturnValue:
    """Handle one of the company page's add forms."""
    company: Company = _get_or_404(Company, company_id)
    target = url_for(".company", company_id=company_id, _anchor=kind)
    return _changed(
        lambda: operation(company),
        success=success,
        target=target,
        on_error=lambda refusal: _company_page(
            _get_or_404(Company, company_id),
            status=refusal.status,
            error=_problems_on(form, refusal),
            error_at=kind,
            forms={kind: form},
        ),
    )


def _brand_id(value: str | None) -> int | None:
    return read_id(value)


@blueprint.post("/companies/<int:company_id>/prefixes")
@roles_required(*TRIAGE_ROLES)
def prefix_add(company_id: int) -> ResponseReturnValue:
    form = PrefixForm(prefix="prefix")
    return _add(
        company_id,
        "prefix",
        form,
        lambda company: admin.add_prefix(
            db.session, company, form.prefix.data or "", actor=_actor(), now=utc_now()
        ),
        gettext("The prefix was added."),
    )


@blueprint.post("/companies/<int:company_id>/brands")
@roles_required(*TRIAGE_ROLES)
def brand_add(company_id: int) -> ResponseReturnValue:
    form = BrandForm(prefix="brand")
    return _add(
        company_id,
        "brand",
        form,
        lambda company: admin.add_brand(
            db.session,
            company,
            form.name.data or "",
            category=form.category.data or None,
            actor=_actor(),
            now=utc_now(),
        ),
        gettext("The brand was added."),
    )


def _product_fields(form: ProductForm) -> admin.ProductFields:
    return admin.ProductFields(
        gtin=form.gtin.data or "",
        name=form.name.data or "",
        brand_id=_brand_id(form.brand_id.data),
        category=form.category.data or None,
    )


@blueprint.post("/companies/<int:company_id>/products")
@roles_required(*TRIAGE_ROLES)
def product_add(company_id: int) -> ResponseReturnValue:
    form = ProductForm(prefix="product")
    return _add(
        company_id,
        "product",
        form,
        lambda company: admin.add_product(
            db.session, company, _product_fields(form), actor=_actor(), now=utc_now()
        ),
        gettext("The product was added."),
    )


def _certification_fields(form: CertificationForm) -> admin.CertificationFields:
    return admin.CertificationFields(
        programme=form.programme.data or "",
        year=form.year.data or "",
        stars=form.stars.data or "",
        valid_until=form.valid_until.data or "",
        evidence_ref=form.evidence_ref.data or "",
        brand_id=_brand_id(form.brand_id.data),
    )


@blueprint.post("/companies/<int:company_id>/certifications")
@roles_required(*TRIAGE_ROLES)
def certification_add(company_id: int) -> ResponseReturnValue:
    form = CertificationForm(prefix="certification")
    return _add(
        company_id,
        "certification",
        form,
        lambda company: admin.add_certification(
            db.session, company, _certification_fields(form), actor=_actor(), now=utc_now()
        ),
        gettext("The certification was added."),
    )


# --- editing brands, products, certifications ------------------------------------------------------


def _edit_page(
    template: str, form: Any, row: Any, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    return render_template(template, form=form, row=row, company=row.company, error=error), status


def _edit_refused(template: str, form: Any, row: Any) -> Callable[[Refusal], ResponseReturnValue]:
    def show(refusal: Refusal) -> ResponseReturnValue:
        error = _problems_on(form, refusal)
        return _edit_page(template, form, row, error=error, status=refusal.status)

    return show


@blueprint.route("/brands/<int:brand_id>/edit", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
def brand_edit(brand_id: int) -> ResponseReturnValue:
    brand: Brand = _get_or_404(Brand, brand_id)
    form = BrandForm(obj=brand if request.method == "GET" else None)
    page = "registry_admin/brand_form.html"
    if request.method == "GET":
        return _edit_page(page, form, brand)
    return _changed(
        lambda: admin.rename_brand(
            db.session,
            brand,
            form.name.data or "",
            category=form.category.data or None,
            actor=_actor(),
            now=utc_now(),
        ),
        success=gettext("The brand was saved."),
        target=url_for(".company", company_id=brand.company_id, _anchor="brand"),
        on_error=_edit_refused(page, form, brand),
    )


@blueprint.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
def product_edit(product_id: int) -> ResponseReturnValue:
    product: Product = _get_or_404(Product, product_id)
    if request.method == "GET":
        form = ProductForm(
            formdata=None,
            gtin=printed_gtin(product.gtin),
            name=product.name,
            brand_id=str(product.brand_id or ""),
            category=product.category or "",
        )
    else:
        form = ProductForm()
    form.brand_id.choices = _brand_choices(
        product.company, empty=gettext("— no brand —"), keep=product.brand_id
    )
    page = "registry_admin/product_form.html"
    if request.method == "GET":
        return _edit_page(page, form, product)
    return _changed(
        lambda: admin.update_product(
            db.session, product, _product_fields(form), actor=_actor(), now=utc_now()
        ),
        success=gettext("The product was saved."),
        target=url_for(".company", company_id=product.company_id, _anchor="product"),
        on_error=_edit_refused(page, form, product),
    )


@blueprint.route("/certifications/<int:certification_id>/edit", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
def certification_edit(certification_id: int) -> ResponseReturnValue:
    cert: Certification = _get_or_404(Certification, certification_id)
    if request.method == "GET":
        form = CertificationForm(
            formdata=None,
            programme=cert.programme.value,
            year=cert.year,
            stars=str(cert.stars or ""),
            valid_until=cert.valid_until,
            evidence_ref=cert.evidence_ref,
            brand_id=str(cert.brand_id or ""),
        )
    else:
        form = CertificationForm()
    form.brand_id.choices = _brand_choices(
        cert.company, empty=gettext("— the whole company —"), keep=cert.brand_id
    )
    page = "registry_admin/certification_form.html"
    if request.method == "GET":
        return _edit_page(page, form, cert)
    return _changed(
        lambda: admin.update_certification(
            db.session, cert, _certification_fields(form), actor=_actor(), now=utc_now()
        ),
        success=gettext("The certification was saved."),
        target=url_for(".company", company_id=cert.company_id, _anchor="certification"),
        on_error=_edit_refused(page, form, cert),
    )


# --- retire and restore ---------------------------------------------------------------------------


@roles_required(*TRIAGE_ROLES)
def set_state(kind: str, item_id: int, action: str) -> ResponseReturnValue:
    """Retire or restore one row; the verdicts follow at once.

    One endpoint with a rule per kind and action (``/brands/7/retire``), so that
    ``url_for(".set_state", kind=..., item_id=..., action=...)`` picks the rule.
    """
    row = _get_or_404(STATE_MODELS[kind], item_id)
    company_id = row.id if isinstance(row, Company) else row.company_id
    actor, now = _actor(), utc_now()

    change = admin.retire if action == "retire" else admin.restore

    return _changed(
        lambda: change(db.session, row, actor=actor, now=now),
        success=gettext("Retired: verdicts no longer count it.")
        if action == "retire"
        else gettext("Restored: verdicts count it again."),
        target=url_for(".company", company_id=company_id),
        on_error=lambda refusal: _company_page(
            _get_or_404(Company, company_id),
            status=refusal.status,
            error=render_message(refusal.message),
        ),
    )


for _kind in STATE_MODELS:
    for _action in ("retire", "restore"):
        blueprint.add_url_rule(
            f"/{_kind}/<int:item_id>/{_action}",
            endpoint="set_state",
            view_func=set_state,
            methods=["POST"],
            defaults={"kind": _kind, "action": _action},
        )


# --- import ---------------------------------------------------------------------------------------


def _import_page(
    *, error: str | None = None, status: int = 200, form: ImportForm | None = None
) -> ResponseReturnValue:
    events = list(
        db.session.scalars(
            sa.select(RegistryEvent)
            .where(RegistryEvent.action == RegistryAction.IMPORT)
            .order_by(RegistryEvent.id.desc())
            .limit(10)
        )
    )
    return render_template(
        "registry_admin/import.html",
        form=form or ImportForm(formdata=None),
        error=error,
        imports=events,
        people=fetch_people(db.session, [event.actor for event in events]),
        kinds=RECORD_KINDS,
    ), status


def _import_refused(refusal: Refusal) -> ResponseReturnValue:
    """The database refused the import at the end (a clash with a change made meanwhile)."""
    return _import_page(error=render_message(refusal.message), status=refusal.status)


def _preview_page(
    data: bytes,
    filename: str,
    errors: list[RowError],
    *,
    report: ImportReport | None = None,
) -> ResponseReturnValue:
    ok = not errors
    confirm = ConfirmImportForm(
        formdata=None,
        content=base64.urlsafe_b64encode(data).decode("ascii") if ok else "",
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
    )
    return render_template(
        "registry_admin/preview.html",
        filename=filename,
        size=len(data),
        sha256=confirm.sha256.data,
        rows=report.rows if report else 0,
        created=dict(report.created) if report else {},
        updated=dict(report.updated) if report else {},
        notices=report.notices if report else [],
        kinds=RECORD_KINDS,
        kind_names=KIND_NAMES,
        errors=errors,
        confirm=confirm,
        upload=ImportForm(formdata=None),
    ), (200 if ok else 400)


@blueprint.route("/import", methods=["GET", "POST"])
@roles_required(*TRIAGE_ROLES)
@transactional(on_refusal=_import_refused)
def import_upload() -> ResponseReturnValue:
    """Upload a list and see what importing it would do; nothing is written."""
    if request.method == "GET":
        return _import_page()
    form = ImportForm()
    if not form.validate():
        return _import_page(form=form, status=400)
    data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _import_page(error=_too_large_message(), status=413)
    filename = PurePath((form.file.data.filename or "").replace("\\", "/")).name[:200]
    rows, errors = read_upload(data)
    if errors:
        return _preview_page(data, filename, errors)
    report = admin.import_preview(db.session, rows, local_tz=LOCAL_TZ)
    return _preview_page(data, filename, report.errors, report=report)


@blueprint.post("/import/confirm")
@roles_required(*TRIAGE_ROLES)
@transactional(on_refusal=_import_refused)
def import_confirm() -> ResponseReturnValue:
    """Import the previewed file: all its rows or none (an error response rolls back)."""
    form = ConfirmImportForm()
    if not form.validate():
        return _import_page(
            error=gettext("The preview was incomplete; upload the file again."), status=400
        )
    try:
        data = base64.b64decode((form.content.data or "").encode("ascii"), b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return _import_page(
            error=gettext("The preview was incomplete; upload the file again."), status=400
        )
    if len(data) > MAX_UPLOAD_BYTES:
        return _import_page(error=_too_large_message(), status=413)
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != form.sha256.data:
        return _import_page(
            error=gettext("The file changed after its preview; upload it again."), status=400
        )
    filename = form.filename.data or ""
    rows, errors = read_upload(data)
    if errors:
        return _preview_page(data, filename, errors)
    report = admin.import_rows(
        db.session, rows, actor=_actor(), now=utc_now(), sha256=sha256, local_tz=LOCAL_TZ
    )
    if not report.ok:
        return _preview_page(data, filename, report.errors)
    flash(
        gettext(
            "The list was imported: %(rows)s rows, %(created)s records created, "
            "%(updated)s updated.",
            rows=report.rows,
            created=sum(report.created.values()),
            updated=sum(report.updated.values()),
        ),
        "success",
    )
    if report.notices:
        flash(
            ngettext(
                "%(num)d retired record in the list was left retired.",
                "%(num)d retired records in the list were left retired.",
                len(report.notices),
            ),
            "info",
        )
    return redirect(url_for(".index"), 303)
