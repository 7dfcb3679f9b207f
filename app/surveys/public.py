"""Answering a survey (issue 15): the page of its short link ``/s/<code>``, the thanks, its QR
code, and the invitation on a trusted product's verdict.

Phone first and without JavaScript: every choice is a radio button, a list or a box, and the
communes of a province come with a "show the communes" button (a POST that only shows the form
again; app/static/js/survey.js fills them in place when it can).

One answer per device and survey: the browser keeps a random token in a long-lived signed cookie
(``hv_respondent``); the core stores only a hash of it with the survey
(:func:`surveys.answering.device_hash`). A survey that is not open shows that in words, without
a form: 200 before it opens, 410 (Gone) once it has closed; a POST to it is refused the same way
(409 before it opens, 410 after), and nothing is stored.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from itsdangerous import BadData, URLSafeSerializer
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.clock import local_today, utc_now
from app.extensions import db, limiter
from app.i18n import render_message
from app.input_guard import shown_in_form, take_out_refused
from app.public.qr import qr_response
from app.surveys import blueprint
from app.surveys.public_forms import GTIN_LENGTH, AnswerForm, answered_yes_no
from app.unit_of_work import unit_of_work
from barcode_db.areas import communes_of, province_names
from barcode_db.models import Brand, Company, Product
from barcode_db.verdict import Level, Verdict
from surveys.answering import (
    ALREADY_ANSWERED,
    AnswerRefused,
    Choice,
    Submitted,
    has_answered,
    record_answer,
)
from surveys.design import Stage, find_survey, normalise_code, stage
from surveys.invitations import carried_survey_for_gtin, invitation_for_gtin
from surveys.models import Survey
from surveys.questions import (
    AGE_GROUP_NAMES,
    CHANNEL_NAMES,
    AgeGroup,
    SalesChannel,
    Subject,
    asked,
)

#: The device's token: random, signed, kept a year, sent only to the survey pages.
RESPONDENT_COOKIE = "hv_respondent"
RESPONDENT_SALT = "survey-respondent"
RESPONDENT_MAX_AGE = 365 * 24 * 3600
RESPONDENT_PATH = "/s/"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
#: The core names the list of what is rated ``choice``; on the form it is ``item`` (``choice``
#: is the question "Choice (range of products)").
_FORM_FIELD = {"choice": "item"}
#: What a link to the page may carry on to the page's own address.
_KEPT_ARGS = ("lang", "gtin")


def answer_rate_limit() -> str:
    return str(current_app.config["SURVEY_ANSWER_RATE_LIMIT"])


def _only_refreshes_area() -> bool:
    """The no-JavaScript "show the communes" tap: the form shown again, nothing sent."""
    return "refresh_area" in request.form


# ---- the device's token ------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=RESPONDENT_SALT)


def respondent_token() -> str | None:
    """This browser's token, if it holds a valid one."""
    raw = request.cookies.get(RESPONDENT_COOKIE)
    if not raw:
        return None
    try:
        token = _serializer().loads(raw)
    except BadData:
        return None
    return token if isinstance(token, str) and _TOKEN.fullmatch(token) else None


def _remember_respondent(response: Response, token: str) -> None:
    response.set_cookie(
        RESPONDENT_COOKIE,
        _serializer().dumps(token),
        max_age=RESPONDENT_MAX_AGE,
        path=RESPONDENT_PATH,
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )


# ---- the survey of an address -------------------------------------------------------------


def _survey_or_404(code: str) -> Survey:
    survey = find_survey(db.session, code)
    if survey is None:
        page = render_template(
            "errors/error.html",
            status=404,
            message=gettext(
                "There is no survey at this address. Check the address, or scan the QR code "
                "on the poster again."
            ),
        )
        abort(make_response(page, 404))
    return survey


def _canonical(endpoint: str, survey: Survey, code: str) -> Response | None:
    """A code typed or linked loosely ("abc-def", "O" for "0"): to the survey's own address."""
    if code == survey.code:
        return None
    values: dict[str, Any] = {"code": survey.code}
    values.update((name, request.args[name]) for name in _KEPT_ARGS if name in request.args)
    return redirect(url_for(endpoint, **values), 301)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- what the form lists -----------------------------------------------------------------


@dataclass
class Group:
    """Options of the "what are you rating" list under one brand ("" when not grouped)."""

    label: str
    options: list[tuple[str, str]] = field(default_factory=list)


def _active_brands() -> sa.Select[tuple[Brand]]:
    return (
        sa.select(Brand)
        .join(Company, Company.id == Brand.company_id)
        .where(Brand.retired_at.is_(None), Company.retired_at.is_(None))
        .order_by(Brand.name, Brand.id)
    )


def _active_products() -> sa.Select[tuple[Product, Brand]]:
    return (
        sa.select(Product, Brand)
        .join(Company, Company.id == Product.company_id)
        .outerjoin(Brand, sa.and_(Brand.id == Product.brand_id, Brand.retired_at.is_(None)))
        .where(Product.retired_at.is_(None), Company.retired_at.is_(None))
        .order_by(Brand.name, Product.name, Product.id)
    )


def rateable(survey: Survey) -> list[Group]:
    """What the survey is about, as the list offers it: Vietnamese goods in general, every
    brand of the registry; a kind of product, its brands and products; a list of brands, those
    brands and their products; a list of products, those products. The rule of what may be
    rated stays the core's (:func:`surveys.answering.in_survey`): this only lists."""
    subject = Subject(survey.subject)
    if subject is Subject.GENERAL:
        brands = db.session.scalars(_active_brands()).all()
        return [Group("", [(Choice(brand_id=b.id).value, b.name) for b in brands])]
    brands_query = _active_brands()
    products_query = _active_products()
    if subject is Subject.CATEGORY:
        brands_query = brands_query.where(Brand.category == survey.category)
        products_query = products_query.where(
            sa.func.coalesce(Product.category, Brand.category) == survey.category
        )
    elif subject is Subject.BRANDS:
        brands_query = brands_query.where(Brand.id.in_(survey.brand_ids))
        products_query = products_query.where(Brand.id.in_(survey.brand_ids))
    else:
        brands_query = brands_query.where(sa.false())
        products_query = products_query.where(Product.id.in_(survey.product_ids))
    groups: dict[int | None, Group] = {}
    for brand in db.session.scalars(brands_query):
        groups[brand.id] = Group(
            brand.name,
            [
                (
                    Choice(brand_id=brand.id).value,
                    gettext("%(brand)s: the brand in general", brand=brand.name),
                )
            ],
        )
    for product, brand in db.session.execute(products_query).tuples():
        key = brand.id if brand is not None else None
        if key not in groups:
            label = brand.name if brand is not None else gettext("Other products")
            groups[key] = Group(label)
        groups[key].options.append((Choice(product_id=product.id).value, product.name))
    # Brands by name, products without a brand last.
    return sorted(groups.values(), key=lambda g: (g is groups.get(None), g.label.casefold()))


def set_fact_choices(form: Any, blank: str) -> None:
    """The lists of the respondent's optional facts (age group, province, its communes, where
    bought), headed by ``blank``: the answer page's and the paper entry form's."""
    none = SelectChoice("", blank)
    form.age_group.choices = [
        none,
        *(SelectChoice(a.value, gettext(AGE_GROUP_NAMES[a])) for a in AgeGroup),
    ]
    form.channel.choices = [
        none,
        *(SelectChoice(c.value, gettext(CHANNEL_NAMES[c])) for c in SalesChannel),
    ]
    form.province.choices = [none, *(SelectChoice(k, v) for k, v in province_names().items())]
    form.commune.choices = [
        none,
        *(SelectChoice(c.code, c.name) for c in communes_of(form.province.data or "")),
    ]


# ---- pages -------------------------------------------------------------------------------


def _form_page(survey: Survey, form: AnswerForm, status: int = 200, error: str | None = None):
    set_fact_choices(form, gettext("— choose —"))
    page = render_template(
        "surveys/answer.html",
        survey=survey,
        form=form,
        error=error,
        questions=asked(survey.questions),
        rateable=rateable(survey),
    )
    return _no_store(make_response(page, status))


def _not_open_page(survey: Survey, current: Stage, status: int):
    page = render_template(
        "surveys/public_not_open.html", survey=survey, upcoming=current is Stage.UPCOMING
    )
    return _no_store(make_response(page, status))


def _answered_page(survey: Survey, *, already: bool, status: int = 200):
    page = render_template("surveys/answered.html", survey=survey, already=already)
    return _no_store(make_response(page, status))


def _submitted(form: AnswerForm) -> Submitted:
    return Submitted(
        choice=Choice.parse((form.item.data or "").strip()),
        gtin=form.gtin.data or "",
        scores=form.scores(),
        choose_again=answered_yes_no(form.choose_again.data),
        comment=form.comment.data or "",
        age_group=form.age_group.data or None,
        province_code=form.province.data or None,
        commune_code=form.commune.data or None,
        channel=form.channel.data or None,
    )


def _show_refusal(survey: Survey, form: AnswerForm, refusal: AnswerRefused):
    message = render_message(refusal.message)
    name = _FORM_FIELD.get(refusal.field or "", refusal.field)
    if name and name in form:
        form[name].errors = [*form[name].errors, message]
        return _form_page(
            survey, form, refusal.status, gettext("Please correct the marked fields.")
        )
    return _form_page(survey, form, refusal.status, message)


@blueprint.route("/s/<code>", methods=["GET", "POST"])
@limiter.limit(answer_rate_limit, methods=["POST"], exempt_when=_only_refreshes_area)
@shown_in_form
def answer(code: str):
    posted = request.method == "POST"
    form = AnswerForm() if posted else AnswerForm(formdata=None)
    valid = posted and form.validate()
    # A pasted invisible character: taken out and named under its field, nothing sent.
    refused_characters = posted and take_out_refused(form)
    survey = _survey_or_404(code)
    if not posted:
        moved = _canonical("surveys.answer", survey, code)
        if moved is not None:
            return moved
    today = local_today()
    current = stage(survey, today)
    if current is Stage.CLOSED:
        return _not_open_page(survey, current, 410)
    if current is Stage.UPCOMING:
        return _not_open_page(survey, current, 409 if posted else 200)
    token = respondent_token()
    if has_answered(db.session, survey, token):
        return _answered_page(survey, already=True, status=409 if posted else 200)
    if not posted:
        form.gtin.data = (request.args.get("gtin") or "")[:GTIN_LENGTH]
        return _form_page(survey, form)
    if _only_refreshes_area():  # without JavaScript: the communes of the chosen province
        form.commune.data = ""
        return _form_page(survey, form, 400 if refused_characters else 200)
    if refused_characters or not valid:
        return _form_page(survey, form, 400, gettext("Please correct the marked fields."))
    new_token = token is None
    token = token or secrets.token_urlsafe(32)
    try:
        with unit_of_work() as session:
            record_answer(
                session,
                survey,
                _submitted(form),
                today=today,
                now=utc_now(),
                device_token=token,
            )
    except AnswerRefused as refusal:
        if refusal.message.code == ALREADY_ANSWERED.code:  # the same device at the same moment
            return _answered_page(survey, already=True, status=refusal.status)
        return _show_refusal(survey, form, refusal)
    response = redirect(url_for("surveys.thanks", code=survey.code), 303)
    if new_token:
        _remember_respondent(response, token)
    return response


@blueprint.get("/s/<code>/thanks")
def thanks(code: str):
    survey = _survey_or_404(code)
    return _canonical("surveys.thanks", survey, code) or _answered_page(survey, already=False)


@blueprint.get("/s/<code>/qr.png")
def qr(code: str):
    """The QR code of the survey's short link, for its poster (printable, any phone's camera)."""
    survey = _survey_or_404(code)
    return qr_response(url_for("surveys.answer", code=survey.code, _external=True))


# ---- the invitation on a verdict ------------------------------------------------------------


@blueprint.app_template_global("carried_survey")
def carried_survey() -> str | None:
    """The code of the survey a shopper came from to scan (``?survey=`` on the scan page, kept
    by its forms and the camera's link), read forgivingly; None without one."""
    return normalise_code(request.values.get("survey") or "")


@blueprint.app_template_global("survey_invitation")
def survey_invitation(verdict: Verdict) -> Survey | None:
    """The survey a verdict invites to rate its product: a product of the registry, never on a
    suspect verdict. Came from a survey to scan: that survey, if it is open and covers the
    product. Else a trusted Vietnamese product (level TRUSTED) invites to an open survey with
    invitations on that covers it; one query either way."""
    product = verdict.facts.product
    if product is None or verdict.level.is_suspect:
        return None
    code = carried_survey()
    if code is not None:
        came_from = find_survey(db.session, code)
        if came_from is not None:
            carried = carried_survey_for_gtin(
                db.session, came_from, product.gtin, today=local_today()
            )
            if carried is not None:
                return carried
    if verdict.level is not Level.TRUSTED:
        return None
    return invitation_for_gtin(db.session, product.gtin, today=local_today())
