"""Reports to the province: the form, the report as a page, a PDF and a workbook, and
``flask reports build`` for the secretariat's quarterly, half-yearly and yearly files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from flask import Response, abort, make_response, render_template, request, url_for
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_login import current_user

from app.auth.access import permission_required
from app.clock import local_today, utc_now
from app.extensions import db
from app.i18n import render_message
from app.jobs.views import start_job_for_request
from app.reports import blueprint
from app.reports.render import (
    chart_images,
    file_stem,
    period_title,
    render_pdf,
    render_xlsx,
    template_context,
)
from barcode_db.areas import Commune, communes_of, is_commune_of, province_names
from barcode_db.messages import N_, Message, Refusal
from complaints.accounts import Role, User
from complaints.jobs import JobKind
from complaints.permissions import Permission, can_see_area
from complaints.reports import Period, PeriodKind, Report, build_report, parse_period

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadReportRequest(Refusal):
    """A period, province or commune that names no report; ``message`` says why."""


NOT_A_PERIOD = N_(
    "“%(period)s” is not a period: choose a year (2026), a half-year (2026-H1, "
    "2026-H2) or a quarter (2026-Q1 to 2026-Q4)."
)
NOT_A_PROVINCE = N_("“%(code)s” is not a province code: choose a province from the list.")
COMMUNE_ELSEWHERE = N_("Commune “%(code)s” is not in this province: choose one of its communes.")


def validated(
    period_text: str, province_code: str, commune_code: str | None
) -> tuple[Period, str, str | None]:
    """The period, province and commune asked for, checked; BadReportRequest otherwise."""
    try:
        period = parse_period(period_text)
    except ValueError:
        raise BadReportRequest(
            Message("not_a_period", NOT_A_PERIOD, {"period": period_text[:20]})
        ) from None
    if province_code not in province_names():
        raise BadReportRequest(
            Message("not_a_province", NOT_A_PROVINCE, {"code": province_code[:10]})
        )
    if commune_code and not is_commune_of(commune_code, province_code):
        raise BadReportRequest(
            Message("commune_elsewhere", COMMUNE_ELSEWHERE, {"code": commune_code[:10]})
        )
    return period, province_code, commune_code or None


@blueprint.errorhandler(BadReportRequest)
def bad_request(error: BadReportRequest) -> tuple[str, int]:
    return render_template(
        "reports/error.html", message=render_message(error.message)
    ), error.status


@blueprint.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the form --------------------------------------------------------------------------------


def _current(kind: PeriodKind, today: dt.date) -> Period:
    months = {PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}[kind]
    return Period(kind, today.year, (today.month - 1) // months + 1)


def period_choices(today: dt.date) -> list[tuple[PeriodKind, list[Period]]]:
    """The periods offered: this quarter and 7 before, this half and 3 before, 3 years."""
    choices = []
    for kind, how_many in ((PeriodKind.QUARTER, 8), (PeriodKind.HALF, 4), (PeriodKind.YEAR, 3)):
        periods = [_current(kind, today)]
        while len(periods) < how_many:
            periods.append(periods[-1].previous())
        choices.append((kind, periods))
    return choices


def _visible_provinces(user: User) -> dict[str, str]:
    names = province_names()
    if user.role is Role.ADMIN or user.province_code is None:
        return names
    return {user.province_code: names.get(user.province_code, user.province_code)}


def _visible_communes(user: User, province_code: str) -> list[Commune]:
    communes = list(communes_of(province_code))
    if user.role is Role.ADMIN or user.province_code is None or not user.commune_codes:
        return communes
    return [c for c in communes if c.code in user.commune_codes]


def _whole_province_allowed(user: User) -> bool:
    return user.role is Role.ADMIN or user.province_code is None or not user.commune_codes


def _chosen_period() -> Period:
    """The period in the address (coming back from a report), else the last full quarter."""
    try:
        return parse_period(request.args.get("period", ""))
    except ValueError:
        return _current(PeriodKind.QUARTER, local_today()).previous()


@blueprint.get("/")
@permission_required(Permission.READ)
def index() -> str:
    user: User = current_user  # type: ignore[assignment]
    provinces = _visible_provinces(user)
    province = request.args.get("province") or user.province_code or ""
    if province not in provinces:
        province = next(iter(provinces)) if len(provinces) == 1 else ""
    return render_template(
        "reports/index.html",
        periods=period_choices(local_today()),
        default_period=_chosen_period(),
        period_title=period_title,
        provinces=provinces,
        province=province,
        communes=_visible_communes(user, province) if province else [],
        whole_province=_whole_province_allowed(user),
        commune_code=request.args.get("commune", ""),
    )


# ---- the report ------------------------------------------------------------------------------


def _report_from_request() -> Report:
    return report_for(current_user)  # type: ignore[arg-type]


def requested(user: User) -> tuple[Period, str, str | None]:
    """The period, province and commune this request's query string asks for, if ``user`` may
    read them (403 otherwise; BadReportRequest for one that names nothing)."""
    period, province, commune = validated(
        request.args.get("period", ""),
        request.args.get("province") or user.province_code or "",
        request.args.get("commune") or None,
    )
    if not can_see_area(user, province, commune):
        abort(403)
    return period, province, commune


def report_for(user: User) -> Report:
    """The report this request asks for (see :func:`requested`), as of now."""
    period, province, commune = requested(user)
    return build_report(db.session, period, province, commune_code=commune, now=utc_now())


def _report_args(report: Report) -> dict[str, Any]:
    args: dict[str, Any] = {"period": report.period.label, "province": report.province_code}
    if report.commune_code:
        args["commune"] = report.commune_code
    return args


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/view")
@permission_required(Permission.READ)
def view() -> str:
    report = _report_from_request()
    args = _report_args(report)
    return render_template(
        "reports/view.html",
        **template_context(report),
        pdf_url=url_for("reports.report_pdf", **args),
        xlsx_url=url_for("reports.report_xlsx", **args),
        form_url=url_for("reports.index", **args),
    )


def _checked_for_job(kind: JobKind) -> Response:
    """POST: the report's file made by a background job, once the request is checked."""
    user: User = current_user  # type: ignore[assignment]
    requested(user)
    return start_job_for_request(kind, user)


@blueprint.route("/report.pdf", methods=["GET", "POST"])
@permission_required(Permission.READ)
def report_pdf() -> Response:
    """GET: the PDF at once; POST (the report page's button): made by a background job."""
    if request.method == "POST":
        return _checked_for_job(JobKind.REPORT_PDF)
    report = _report_from_request()
    return _download(render_pdf(report), PDF, f"{file_stem(report)}.pdf")


@blueprint.route("/report.xlsx", methods=["GET", "POST"])
@permission_required(Permission.READ)
def report_xlsx() -> Response:
    """GET: the workbook at once; POST: made by a background job."""
    if request.method == "POST":
        return _checked_for_job(JobKind.REPORT_XLSX)
    report = _report_from_request()
    return _download(render_xlsx(report), XLSX, f"{file_stem(report)}.xlsx")


# ---- flask reports build ---------------------------------------------------------------------

reports_cli = AppGroup("reports", help="Reports to the province.")


@reports_cli.command("build")
@click.option("--period", required=True, help="A year (2026), half (2026-H1) or quarter (2026-Q3).")
@click.option("--province", required=True, help="Province code, two digits (79).")
@click.option("--commune", default=None, help="Only this commune (five digits).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the files to (made if missing).",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def build_command(period: str, province: str, commune: str | None, out: Path, lang: str) -> None:
    """Write the report as PDF, XLSX and chart PNGs, as of now."""
    with force_locale(lang):
        try:
            chosen, province, commune = validated(period, province, commune)
        except BadReportRequest as bad:
            raise click.ClickException(render_message(bad.message)) from None
        report = build_report(db.session, chosen, province, commune_code=commune, now=utc_now())
        images = chart_images(report)
        files: list[tuple[str, bytes]] = [
            (".pdf", render_pdf(report, template_context(report, images))),
            (".xlsx", render_xlsx(report, images)),
            *[(f"-{name}.png", png) for name, png in images.items()],
        ]
    out.mkdir(parents=True, exist_ok=True)
    for suffix, data in files:
        path = out / f"{file_stem(report)}{suffix}"
        path.write_bytes(data)
        click.echo(str(path))
