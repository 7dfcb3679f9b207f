"""Staff pages of the surveys (issue 15): the list, a survey's design form, its overview with
the audit trail, the printable QR poster, paper questionnaires typed in, the results and the
anonymised answers' XLSX.

Who may do what is :mod:`surveys.access`: every signed-in role reads the surveys of its area
(a province's own and the whole country's); the association's staff manage their province's,
administrators all. A survey outside the user's area is a 404; one the user reads but may not
manage is a 403 on the managing pages. The rules of a design and of an answer are the core's
(:mod:`surveys.design`, :mod:`surveys.answering`): a refusal shows the form again with each
problem under its field, nothing saved (400; 409 when the survey changed since the form was
opened).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.access import permission_required
from app.clock import local_today, utc_now
from app.extensions import db
from app.i18n import day, render_message, translate
from app.surveys import blueprint, results_cache
from app.surveys.display import CHOOSE_AGAIN_NAME, INDEX_NAME, INTERVAL_NOTE, stratum_name
from app.surveys.public import rateable, set_fact_choices
from app.surveys.staff_forms import PaperForm, SurveyForm
from app.unit_of_work import unit_of_work
from barcode_db.areas import province_names
from barcode_db.categories import CATEGORIES
from barcode_db.categories import category as category_named
from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_, Message, Refusal
from barcode_db.models import Brand, Company, Product
from complaints.accounts import User
from complaints.permissions import Permission
from complaints.queries import fetch_people, read_id
from surveys import exports
from surveys.access import may_manage, may_read, readable
from surveys.answering import Choice, Submitted, record_answer
from surveys.design import (
    LOCKED_WITH_ANSWERS,
    MAX_TARGET,
    STAGE_NAMES,
    Design,
    DesignRefused,
    answer_count,
    create_survey,
    design_problems,
    previous_candidate,
    stage,
    update_survey,
)
from surveys.models import Survey, SurveyEvent, SurveyResponse
from surveys.questions import (
    ACSI,
    AGE_GROUP_NAMES,
    BANK,
    CHANNEL_NAMES,
    CRITERIA,
    DEFAULT_QUESTIONS,
    DIMENSION_NAMES,
    SHORT_NAMES,
    SUBJECT_NAMES,
    AgeGroup,
    Dimension,
    Kind,
    Question,
    SalesChannel,
    Subject,
    asked,
)
from surveys.results import BRAND, CATEGORY, PRODUCT
from surveys.statistics import Criterion

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Dates a survey may open or close on: others are typing mistakes.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)

DAY_PROBLEM = Message("day_range", N_("Choose a day between 01/01/2000 and 31/12/2099."))
NOT_OFFERED = Message("not_offered", N_("Choose from the list."))
PREVIOUS_UNKNOWN = Message("previous_unknown", N_("Choose an earlier survey to compare with."))

#: The design's fields as the audit trail names them (msgids).
FIELD_NAMES: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Introduction"),
    "opens_on": N_("Opens on"),
    "closes_on": N_("Closes on"),
    "subject": N_("What the survey is about"),
    "category": N_("Kind of product"),
    "brand_ids": N_("Brands"),
    "product_ids": N_("Products"),
    "questions": N_("Questions"),
    "quotas": N_("Quota targets"),
    "weight_by": N_("Weighted to"),
    "minimum_n": N_("Minimum answers"),
    "publish": N_("Published"),
    "invite_on_verdict": N_("Invitation after a verdict"),
    "province_code": N_("Whose survey"),
    "previous_id": N_("Compared with"),
}
#: The design form's fields a problem may be shown under; others go to the page's error box.
DESIGN_FIELDS = frozenset(FIELD_NAMES)
#: The paper form's fields, by the name the answer's rules give them.
PAPER_FIELDS = {
    "paper_ref": "paper_ref",
    "choice": "product",
    "gtin": "gtin",
    "comment": "comment",
    "age_group": "age_group",
    "province": "province",
    "commune": "commune",
    "channel": "channel",
}


@blueprint.after_request
def _no_store(response: Response) -> Response:
    """Staff pages are not kept by browsers or proxies (the public pages choose their own)."""
    if request.path.startswith("/staff/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _user() -> User:
    return cast(User, current_user)


def _survey(survey_id: int, *, manage: bool = False) -> Survey:
    """The survey, if the user may read it (404 otherwise, not confirming that it exists);
    ``manage``: and change it (403 when the user reads it but may not)."""
    survey = db.session.get(Survey, survey_id)
    user = _user()
    if survey is None or not may_read(user, survey.province_code):
        abort(404)
    if manage and not may_manage(user, survey.province_code):
        abort(403)
    return survey


def _short_link(survey: Survey) -> str:
    return url_for("surveys.answer", code=survey.code, _external=True)


# ---- the list ---------------------------------------------------------------------------------


@blueprint.get("/staff/surveys")
@permission_required(Permission.READ)
def staff_list() -> ResponseReturnValue:
    user = _user()
    surveys = list(
        db.session.scalars(
            sa.select(Survey)
            .where(readable(user))
            .order_by(Survey.opens_on.desc(), Survey.id.desc())
        )
    )
    counts: dict[int, int] = {}
    if surveys:
        counts = {
            survey_id: count
            for survey_id, count in db.session.execute(
                sa.select(SurveyResponse.survey_id, sa.func.count())
                .where(SurveyResponse.survey_id.in_([s.id for s in surveys]))
                .group_by(SurveyResponse.survey_id)
            )
        }
    today = local_today()
    return render_template(
        "surveys/staff_list.html",
        surveys=surveys,
        counts=counts,
        stages={s.id: STAGE_NAMES[stage(s, today)] for s in surveys},
        provinces=province_names(),
        may_create=may_manage(user, user.province_code),
    )


# ---- the design form --------------------------------------------------------------------------


def _quarter_end(day: dt.date) -> dt.date:
    last_month = ((day.month - 1) // 3 + 1) * 3
    after = dt.date(day.year + (last_month == 12), last_month % 12 + 1, 1)
    return after - dt.timedelta(days=1)


def _brand_rows(keep: Iterable[int] = ()) -> list[tuple[int, str, str]]:
    """(id, brand, company) of the registry's active brands and of those ``keep`` names."""
    keep = list(keep)
    condition: sa.ColumnElement[bool] = Brand.retired_at.is_(None)
    if keep:
        condition = sa.or_(condition, Brand.id.in_(keep))
    return [
        (row_id, name, company)
        for row_id, name, company in db.session.execute(
            sa.select(Brand.id, Brand.name, Company.name)
            .join(Company, Company.id == Brand.company_id)
            .where(condition)
            .order_by(Brand.name_key, Brand.id)
        )
    ]


def _product_rows(condition: Any, limit: int | None = None) -> list[tuple[int, str, str, str]]:
    """(id, product, brand, printed GTIN) of the products matching ``condition``."""
    statement = (
        sa.select(Product.id, Product.name, Brand.name, Product.gtin)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .where(condition)
        .order_by(Brand.name_key, Product.name, Product.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [
        (row_id, name, brand or "", printed_gtin(gtin))
        for row_id, name, brand, gtin in db.session.execute(statement)
    ]


def _setup_design_form(form: SurveyForm, survey: Survey | None, user: User) -> None:
    """The choices of the design form, in the reader's language."""
    form.subject.choices = [SelectChoice(s.value, gettext(SUBJECT_NAMES[s])) for s in Subject]
    form.category.choices = [SelectChoice("", gettext("— choose —"))] + [
        SelectChoice(c.code, gettext(c.name)) for c in CATEGORIES
    ]
    brand_keep = survey.brand_ids if survey is not None else []
    form.brand_ids.choices = [
        SelectChoice(str(row_id), f"{name} · {company}")
        for row_id, name, company in _brand_rows(brand_keep)
    ]
    product_keep = survey.product_ids if survey is not None else []
    active = Product.retired_at.is_(None)
    form.product_ids.choices = [
        SelectChoice(str(row_id), f"{name} · {brand} · {gtin}" if brand else f"{name} · {gtin}")
        for row_id, name, brand, gtin in _product_rows(
            sa.or_(active, Product.id.in_(product_keep)) if product_keep else active
        )
    ]
    form.questions.choices = [
        SelectChoice(q.value, gettext(SHORT_NAMES[q])) for q in DEFAULT_QUESTIONS
    ]
    form.weight_by.choices = [SelectChoice("", gettext("Not weighted"))] + [
        SelectChoice(d.value, gettext(DIMENSION_NAMES[d])) for d in Dimension
    ]
    if user.province_code is None:
        form.province_code.choices = [SelectChoice("", gettext("The whole country"))] + [
            SelectChoice(code, name) for code, name in province_names().items()
        ]
    else:
        form.province_code.choices = [
            SelectChoice(user.province_code, province_names().get(user.province_code, ""))
        ]
    earlier = db.session.scalars(
        sa.select(Survey)
        .where(readable(user), *([Survey.id != survey.id] if survey is not None else []))
        .order_by(Survey.opens_on.desc(), Survey.id.desc())
        .limit(200)
    )
    form.previous_id.choices = [SelectChoice("", gettext("— none —"))] + [
        SelectChoice(str(s.id), f"{s.title} ({day(s.opens_on)}–{day(s.closes_on)})")
        for s in earlier
    ]


def _quota_key(dimension: Dimension, stratum: str) -> str:
    return f"quota-{dimension.value}-{stratum}"


def _fill_design_form(form: SurveyForm, design: Design) -> dict[str, str]:
    """Put a design into the form; the quota inputs' values (by input name)."""
    form.title.data = design.title
    form.description.data = design.description
    form.opens_on.data = design.opens_on.isoformat()
    form.closes_on.data = design.closes_on.isoformat()
    form.subject.data = design.subject.value
    form.category.data = design.category or ""
    form.brand_ids.data = [str(i) for i in design.brand_ids]
    form.product_ids.data = [str(i) for i in design.product_ids]
    form.questions.data = [q.value for q in design.questions]
    form.weight_by.data = design.weight_by.value if design.weight_by else ""
    form.minimum_n.data = str(design.minimum_n)
    form.publish.data = design.publish
    form.invite_on_verdict.data = design.invite_on_verdict
    form.province_code.data = design.province_code or ""
    form.previous_id.data = str(design.previous_id) if design.previous_id else ""
    return {
        _quota_key(dimension, stratum): str(target)
        for dimension, targets in design.quotas.items()
        for stratum, target in targets.items()
    }


def _read_day(text: str | None) -> dt.date | None:
    try:
        value = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return value if FIRST_DAY <= value <= LAST_DAY else None


def _read_number(text: str | None, *, digits: int) -> int | None:
    """ASCII digits as typed (at most ``digits`` of them), or None for anything else."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(rf"[0-9]{{1,{digits}}}", text) else None


def _read_quotas() -> tuple[dict[Dimension, dict[str, Any]], dict[str, str], Message | None]:
    """The quota targets sent (``quota-<dimension>-<stratum>``; blank: no target), the values as
    typed, and a problem with an input no dimension has. A target that is not a whole number
    reaches the core as typed, which refuses it."""
    quotas: dict[Dimension, dict[str, Any]] = {}
    typed: dict[str, str] = {}
    problem = None
    dimensions = {d.value: d for d in Dimension}
    for key, value in request.form.items():
        if not key.startswith("quota-"):
            continue
        typed[key] = value
        if not value.strip():
            continue
        name, _, stratum = key.removeprefix("quota-").partition("-")
        if name not in dimensions or not stratum:
            problem = Message(
                "unknown_stratum",
                N_("A quota target names something unknown: %(stratum)s."),
                {"stratum": key[:60]},
            )
            continue
        target: Any = value.strip()
        if re.fullmatch(r"[0-9]+", target):
            target = int(target) if len(target) <= 9 else MAX_TARGET + 1
        quotas.setdefault(dimensions[name], {})[stratum] = target
    return quotas, typed, problem


def _read_design(
    form: SurveyForm, survey: Survey | None, user: User
) -> tuple[Design, dict[str, Message], dict[str, str]]:
    """The design the form sends, the problems found before the core's rules (unreadable
    values), and the quota inputs as typed.

    Once the survey has answers, the fields locked by then are shown disabled and not sent:
    those not sent keep their stored values; a value sent for one goes to the core, which
    refuses a change."""
    problems: dict[str, Message] = {}
    today = local_today()
    opens_on = _read_day(form.opens_on.data)
    if opens_on is None:
        problems["opens_on"] = DAY_PROBLEM
    closes_on = _read_day(form.closes_on.data)
    if closes_on is None:
        problems["closes_on"] = DAY_PROBLEM
    subjects = {s.value: s for s in Subject}
    subject = subjects.get(form.subject.data or "")
    if subject is None:
        problems["subject"] = NOT_OFFERED
    dimensions = {d.value: d for d in Dimension}
    weight_by = dimensions.get(form.weight_by.data or "")
    if form.weight_by.data and weight_by is None:
        problems["weight_by"] = NOT_OFFERED
    quotas, typed, quota_problem = _read_quotas()
    if quota_problem is not None:
        problems["quotas"] = quota_problem
    # Unreadable ids become 0, which no row has: the core says the choice is unknown.
    previous_id = read_id(form.previous_id.data) if form.previous_id.data else None
    if form.previous_id.data:
        previous = db.session.get(Survey, previous_id) if previous_id else None
        if previous is None or not may_read(user, previous.province_code):
            problems["previous_id"] = PREVIOUS_UNKNOWN
    minimum_n = _read_number(form.minimum_n.data, digits=6)
    design = Design(
        title=form.title.data or "",
        description=form.description.data or "",
        opens_on=opens_on or today,
        closes_on=closes_on or opens_on or today,
        subject=subject or Subject.GENERAL,
        category=form.category.data or None,
        brand_ids=[read_id(v) or 0 for v in form.brand_ids.data or []],
        product_ids=[read_id(v) or 0 for v in form.product_ids.data or []],
        questions=[Question(v) for v in form.questions.data or [] if v in set(Question)],
        quotas=quotas,
        weight_by=weight_by,
        minimum_n=minimum_n if minimum_n is not None else 0,
        publish=bool(form.publish.data),
        invite_on_verdict=bool(form.invite_on_verdict.data),
        province_code=(
            user.province_code
            if user.province_code is not None
            else (form.province_code.data or None)
        ),
        previous_id=previous_id
        if previous_id is not None and not problems.get("previous_id")
        else None,
    )
    if survey is not None and answer_count(db.session, survey):
        stored = Design.of(survey)
        for name in LOCKED_WITH_ANSWERS:
            if name not in request.form:
                setattr(design, name, getattr(stored, name))
        if "subject" not in request.form:
            problems.pop("subject", None)
    return design, problems, typed


def _quota_strata() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The quota inputs of the design form: (dimension, its name, [(stratum, its name)])."""
    return [
        (
            Dimension.PROVINCE.value,
            gettext(DIMENSION_NAMES[Dimension.PROVINCE]),
            list(province_names().items()),
        ),
        (
            Dimension.AGE_GROUP.value,
            gettext(DIMENSION_NAMES[Dimension.AGE_GROUP]),
            [(g.value, gettext(AGE_GROUP_NAMES[g])) for g in AgeGroup],
        ),
        (
            Dimension.CHANNEL.value,
            gettext(DIMENSION_NAMES[Dimension.CHANNEL]),
            [(c.value, gettext(CHANNEL_NAMES[c])) for c in SalesChannel],
        ),
    ]


def _design_page(
    form: SurveyForm,
    survey: Survey | None,
    quota_values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    locked = survey is not None and answer_count(db.session, survey) > 0
    if locked and survey is not None:
        # Locked fields show what is stored, whatever a refused form sent.
        stored = Design.of(survey)
        form.subject.data = stored.subject.value
        form.category.data = stored.category or ""
        form.brand_ids.data = [str(i) for i in stored.brand_ids]
        form.product_ids.data = [str(i) for i in stored.product_ids]
        form.questions.data = [q.value for q in stored.questions]
    user = _user()
    return render_template(
        "surveys/staff_form.html",
        form=form,
        survey=survey,
        locked=locked,
        errors=errors or {},
        error=error,
        quota_values=quota_values,
        quota_strata=_quota_strata(),
        open_dimensions={
            d.value
            for d in Dimension
            if any(
                value.strip()
                for key, value in quota_values.items()
                if key.startswith(f"quota-{d.value}-")
            )
        },
        own_province=province_names().get(user.province_code or "", ""),
        bank=BANK,
    ), status


def _problems_of(refusal: Refusal) -> tuple[dict[str, str], str | None]:
    """A refusal's problems under the design form's fields; the others as the error box."""
    problems = getattr(refusal, "problems", None) or {"": refusal.message}
    errors: dict[str, str] = {}
    elsewhere: list[str] = []
    for name, message in problems.items():
        if name in DESIGN_FIELDS:
            errors[name] = render_message(message)
        else:
            elsewhere.append(render_message(message))
    if errors and not elsewhere:
        elsewhere.append(gettext("Nothing was saved: see the problems marked below."))
    return errors, " ".join(elsewhere) or None


def _save_design(form: SurveyForm, survey: Survey | None) -> ResponseReturnValue:
    user = _user()
    design, early, quota_values = _read_design(form, survey, user)
    version = _read_number(form.version.data, digits=9)
    try:
        with unit_of_work():
            if early:
                raise DesignRefused({**design_problems(db.session, design, survey), **early})
            if survey is None:
                saved = create_survey(db.session, design, actor=user.username, now=utc_now())
                changed = True
            else:
                saved = survey
                changed = bool(
                    update_survey(
                        db.session,
                        survey,
                        design,
                        actor=user.username,
                        now=utc_now(),
                        version=version if version is not None else -1,
                    )
                )
            target = url_for("surveys.staff_overview", survey_id=saved.id)
    except Refusal as refusal:
        errors, error = _problems_of(refusal)
        return _design_page(
            form, survey, quota_values, errors=errors, error=error, status=refusal.status
        )
    if survey is None:
        flash(gettext("The survey was created."), "success")
    elif changed:
        flash(gettext("The survey was saved."), "success")
    else:
        flash(gettext("Nothing had changed: nothing was saved."), "success")
    return redirect(target, 303)


@blueprint.route("/staff/surveys/new", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SURVEYS)
def staff_new() -> ResponseReturnValue:
    user = _user()
    if not may_manage(user, user.province_code):
        abort(403)
    form = SurveyForm(formdata=request.form if request.method == "POST" else None)
    _setup_design_form(form, None, user)
    if request.method == "POST":
        return _save_design(form, None)
    today = local_today()
    design = Design(
        title="",
        opens_on=today,
        closes_on=_quarter_end(today),
        minimum_n=int(current_app.config["SURVEY_MINIMUM_N"]),
        province_code=user.province_code,
    )
    previous = previous_candidate(db.session, design)
    design.previous_id = previous.id if previous is not None else None
    return _design_page(form, None, _fill_design_form(form, design))


@blueprint.route("/staff/surveys/<int:survey_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SURVEYS)
def staff_edit(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id, manage=True)
    form = SurveyForm(formdata=request.form if request.method == "POST" else None)
    _setup_design_form(form, survey, _user())
    if request.method == "POST":
        return _save_design(form, survey)
    quota_values = _fill_design_form(form, Design.of(survey))
    form.version.data = str(survey.version)
    return _design_page(form, survey, quota_values)


# ---- a survey's overview and audit trail ---------------------------------------------------


def _yes_no(value: Any) -> str:
    return gettext("Yes") if value else gettext("No")


class _Words:
    """The stored values of a design in words (the overview and its audit trail)."""

    def __init__(self, events: Iterable[SurveyEvent], surveys: Iterable[Survey]) -> None:
        brand_ids: set[int] = set()
        product_ids: set[int] = set()
        survey_ids: set[int] = set()
        for survey in surveys:
            brand_ids.update(survey.brand_ids)
            product_ids.update(survey.product_ids)
            if survey.previous_id:
                survey_ids.add(survey.previous_id)
        for event in events:
            for name, values in (event.details or {}).items():
                pair = values if event.action == "edited" else [values]
                if not isinstance(pair, list):
                    continue
                for value in pair:
                    if name == "brand_ids" and isinstance(value, list):
                        brand_ids.update(i for i in value if isinstance(i, int))
                    elif name == "product_ids" and isinstance(value, list):
                        product_ids.update(i for i in value if isinstance(i, int))
                    elif name == "previous_id" and isinstance(value, int):
                        survey_ids.add(value)
        self.brands = self._names(Brand, brand_ids)
        self.products = self._names(Product, product_ids)
        self.surveys = self._names(Survey, survey_ids, column="title")

    @staticmethod
    def _names(model: Any, ids: set[int], column: str = "name") -> dict[int, str]:
        if not ids:
            return {}
        rows = db.session.execute(
            sa.select(model.id, getattr(model, column)).where(model.id.in_(ids))
        )
        return {row_id: name for row_id, name in rows}

    def value(self, name: str, value: Any) -> str:
        """A design field's stored value as staff read it."""
        if value is None or value == "" or value == [] or value == {}:
            return "–"
        if name in ("opens_on", "closes_on"):
            try:
                return day(dt.date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if name == "subject":
            return gettext(SUBJECT_NAMES[Subject(value)]) if value in set(Subject) else str(value)
        if name == "category":
            known = category_named(str(value))
            return gettext(known.name) if known else str(value)
        if name == "brand_ids":
            return ", ".join(self.brands.get(i, f"#{i}") for i in value)
        if name == "product_ids":
            return ", ".join(self.products.get(i, f"#{i}") for i in value)
        if name == "questions":
            return ", ".join(
                gettext(SHORT_NAMES[Question(q)]) if q in set(Question) else str(q) for q in value
            )
        if name == "quotas":
            return "; ".join(self.quotas(value))
        if name == "weight_by":
            return (
                gettext(DIMENSION_NAMES[Dimension(value)])
                if value in set(Dimension)
                else str(value)
            )
        if name in ("publish", "invite_on_verdict"):
            return _yes_no(value)
        if name == "province_code":
            return province_names().get(str(value), str(value))
        if name == "previous_id":
            return self.surveys.get(value, f"#{value}")
        if name == "description" and len(str(value)) > 120:
            return str(value)[:119] + "…"
        return str(value)

    @staticmethod
    def quotas(quotas: Mapping[str, Mapping[str, Any]]) -> list[str]:
        lines = []
        for dimension, targets in quotas.items():
            if not targets or dimension not in set(Dimension):
                continue
            total = sum(t for t in targets.values() if isinstance(t, int))
            lines.append(
                ngettext(
                    "%(dimension)s: %(num)d target, %(total)s answers in all",
                    "%(dimension)s: %(num)d targets, %(total)s answers in all",
                    len(targets),
                    dimension=gettext(DIMENSION_NAMES[Dimension(dimension)]),
                    total=total,
                )
            )
        return lines

    def event(self, event: SurveyEvent) -> list[str]:
        """What an audit event did, in words: one line per change."""
        details = event.details or {}
        if event.action == "created":
            return [gettext("Created the survey.")]
        if event.action == "paper_answer":
            return [
                gettext(
                    "Typed in the paper questionnaire %(number)s.",
                    number=details.get("paper_ref", ""),
                )
            ]
        if event.action == "edited":
            lines = []
            for name, values in details.items():
                before, after = (
                    values if isinstance(values, list) and len(values) == 2 else (None, values)
                )
                label = gettext(FIELD_NAMES[name]) if name in FIELD_NAMES else name
                lines.append(f"{label}: {self.value(name, before)} → {self.value(name, after)}")
            return lines
        return [event.action]


@blueprint.get("/staff/surveys/<int:survey_id>")
@permission_required(Permission.READ)
def staff_overview(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id)
    events = list(
        db.session.scalars(
            sa.select(SurveyEvent)
            .where(SurveyEvent.survey_id == survey.id)
            .order_by(SurveyEvent.created_at.desc(), SurveyEvent.id.desc())
        )
    )
    by_source = dict.fromkeys(("web", "paper"), 0)
    for source, count in db.session.execute(
        sa.select(SurveyResponse.source, sa.func.count())
        .where(SurveyResponse.survey_id == survey.id)
        .group_by(SurveyResponse.source)
    ):
        by_source[source] = count
    words = _Words(events, [survey])
    return render_template(
        "surveys/staff_survey.html",
        survey=survey,
        stage_name=STAGE_NAMES[stage(survey, local_today())],
        short_link=_short_link(survey),
        manage=may_manage(_user(), survey.province_code),
        by_source=by_source,
        answers=sum(by_source.values()),
        events=events,
        people=fetch_people(db.session, [e.actor for e in events]),
        words=words,
        field_names=FIELD_NAMES,
        quota_lines=words.quotas(survey.quotas),
    )


@blueprint.get("/staff/surveys/<int:survey_id>/poster")
@permission_required(Permission.READ)
def staff_poster(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id)
    link = _short_link(survey)
    return render_template(
        "surveys/staff_poster.html",
        survey=survey,
        short_link=link,
        shown_link=link.split("://", 1)[-1],
    )


# ---- paper questionnaires ------------------------------------------------------------------


def _product_choices(survey: Survey) -> list[SelectChoice]:
    """What a paper answer may be about: the answer form's list (brands "b<id>", products
    "p<id>", grouped by brand), so that paper and web answers choose alike."""
    return [SelectChoice("", gettext("— choose —"))] + [
        SelectChoice(value, label, optgroup=group.label or None)
        for group in rateable(survey)
        for value, label in group.options
    ]


def _setup_paper_form(form: PaperForm, survey: Survey) -> None:
    form.product.choices = _product_choices(survey)
    form.choose_again.choices = [
        SelectChoice("yes", gettext("Yes")),
        SelectChoice("no", gettext("No")),
        SelectChoice("", gettext("Not answered")),
    ]
    set_fact_choices(form, gettext("— not given —"))


def _paper_page(
    survey: Survey,
    form: PaperForm,
    *,
    scores: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "surveys/staff_paper.html",
        survey=survey,
        form=form,
        asked=[spec.key for spec in asked(survey.questions)],
        bank=BANK,
        kinds=Kind,
        scores=scores or {},
        errors=errors or {},
        error=error,
    ), status


def _submitted(survey: Survey, form: PaperForm) -> tuple[Submitted, dict[str, str]]:
    """The answer the paper form sends, and the scores as typed (by question)."""
    typed: dict[str, str] = {}
    scores: dict[Question, int | None] = {}
    for question in [spec.key for spec in asked(survey.questions)]:
        if BANK[question].kind is not Kind.SCALE:
            continue
        text = request.form.get(f"q-{question.value}", "")
        typed[question.value] = text
        number = _read_number(text, digits=2)
        # Something that is no number is outside every scale: the core says so.
        scores[question] = number if number is not None else (0 if text.strip() else None)
    again = {"yes": True, "no": False}.get(form.choose_again.data or "")
    product = form.product.data or ""
    return (
        Submitted(
            choice=Choice.parse(product),
            gtin=form.gtin.data or "",
            scores=scores,
            choose_again=again,
            comment=form.comment.data or "",
            age_group=form.age_group.data or None,
            province_code=form.province.data or None,
            commune_code=form.commune.data or None,
            channel=form.channel.data or None,
        ),
        typed,
    )


@blueprint.route("/staff/surveys/<int:survey_id>/paper", methods=["GET", "POST"])
@permission_required(Permission.MANAGE_SURVEYS)
def staff_paper(survey_id: int) -> ResponseReturnValue:
    """Type in paper questionnaires, one after the other."""
    survey = _survey(survey_id, manage=True)
    form = PaperForm(formdata=request.form if request.method == "POST" else None)
    _setup_paper_form(form, survey)
    if request.method == "GET":
        return _paper_page(survey, form)
    submitted, typed = _submitted(survey, form)
    if "refresh_area" in request.form:  # no JavaScript: the communes of the chosen province
        return _paper_page(survey, form, scores=typed)
    paper_ref = (form.paper_ref.data or "").strip()
    try:
        with unit_of_work():
            record_answer(
                db.session,
                survey,
                submitted,
                today=local_today(),
                now=utc_now(),
                paper_ref=paper_ref,
                entered_by=_user().username,
            )
    except Refusal as refusal:
        field = PAPER_FIELDS.get(getattr(refusal, "field", None) or "")
        message = render_message(refusal.message)
        survey = _survey(survey_id, manage=True)
        return _paper_page(
            survey,
            form,
            scores=typed,
            errors={field: message} if field else {},
            error=message
            if not field
            else gettext("Nothing was saved: see the problems marked below."),
            status=refusal.status,
        )
    flash(
        gettext("Questionnaire %(number)s was saved. Type in the next one.", number=paper_ref),
        "success",
    )
    return redirect(url_for("surveys.staff_paper", survey_id=survey.id), 303)


# ---- results and the answers' export --------------------------------------------------------


@blueprint.get("/staff/surveys/<int:survey_id>/results")
@permission_required(Permission.READ)
def staff_results(survey_id: int) -> ResponseReturnValue:
    survey = _survey(survey_id)
    results = results_cache.results(db.session, survey)
    asked = set(survey.questions)
    weighting = results.overall.summary.weighting if survey.weight_by else None
    return render_template(
        "surveys/staff_results.html",
        survey=survey,
        results=results,
        stage_name=STAGE_NAMES[stage(survey, local_today())],
        shows_index=any(q.value in asked for q in ACSI),
        criteria=[(Criterion(q.value), SHORT_NAMES[q]) for q in CRITERIA if q.value in asked],
        shows_again=Question.CHOOSE_AGAIN.value in asked,
        index_name=gettext(INDEX_NAME),
        choose_again_name=gettext(CHOOSE_AGAIN_NAME),
        # The note's "95 %" is no placeholder: filled in by hand, not by %-formatting.
        interval_note=gettext(INTERVAL_NOTE, minimum=survey.minimum_n),
        weighting=weighting,
        empty_strata=", ".join(
            stratum_name(survey.weight_by or "", str(s))
            for s in (weighting.empty_strata if weighting is not None else ())
        ),
        weight_dimension=(
            # Inside a sentence: "weighted to the province targets".
            gettext(DIMENSION_NAMES[Dimension(survey.weight_by)]).lower()
            if survey.weight_by
            else ""
        ),
        groups=[
            (BRAND, gettext("By brand"), results.groups.get(BRAND, [])),
            (PRODUCT, gettext("By product"), results.groups.get(PRODUCT, [])),
            (CATEGORY, gettext("By kind of product"), results.groups.get(CATEGORY, [])),
        ],
        category_name=lambda code: (
            gettext(known.name) if (known := category_named(code)) else str(code)
        ),
        manage=may_manage(_user(), survey.province_code),
    )


@blueprint.get("/staff/surveys/<int:survey_id>/answers.xlsx")
@permission_required(Permission.MANAGE_SURVEYS)
def staff_answers_xlsx(survey_id: int) -> ResponseReturnValue:
    """The anonymised answers (no device, no person) for the association's own analysis."""
    survey = _survey(survey_id, manage=True)
    body = exports.answers_xlsx(db.session, survey, translate)
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.file_name(survey, local_today())}"'
    )
    return response
