"""A :class:`~complaints.reports.Report` in the reader's language: charts, the page's context,
a PDF (WeasyPrint over a Jinja template, A4, DejaVu Sans) and a workbook (XlsxWriter).

Everything here needs an application context with a locale (a request, or ``force_locale``).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from flask import current_app, render_template
from flask_babel import format_decimal, format_percent, gettext

from app import i18n
from app.clock import LOCAL_TZ
from barcode_db.areas import commune, province_names
from barcode_db.categories import category
from barcode_db.gtin import printed_gtin
from barcode_db.messages import N_
from complaints.campaign import NONE, Compared, Tally
from complaints.reports import (
    HEADLINE_NAMES,
    OUTCOME_NAMES,
    Period,
    PeriodKind,
    Report,
)
from complaints.workflow import CATEGORY_NAMES, STATUS_NAMES

#: Headline numbers drawn in the comparison chart (the counts; times and ratings are not).
COMPARED_COUNTS = ("complaints", "confirmed", "dismissed", "still_open", "overdue")
NO_VALUE = "—"

# Notes shown on the page, in the PDF and in the workbook (msgids, translated where shown).
TIMES_NOTE = N_(
    "Time to take up: from filing to the first move out of “New”. Time to close: from "
    "filing to closing (confirmed, dismissed or merged as a duplicate). In days."
)
OVERDUE_NOTE = N_(
    "Overdue: still open after the deadline to take it up (7 working days), or taken up "
    "after that deadline."
)
SATISFACTION_NOTE = N_(
    "Ratings given by consumers during the period, whenever they had complained."
)
SURVEYS_NOTE = N_(
    "Surveys that ran during the period, for this province or the whole country: the whole "
    "survey's figures, in brackets their %(level)s confidence interval; a figure is shown only from "
    "the survey's minimum number of answers. The index combines three questions on a 0–100 "
    "scale; a quota sample is not a random sample, so the intervals assume the respondents of "
    "each quota group are like its other consumers."
)
SCANS_NOTE = N_(
    "Suspect scans recorded: each suspect verdict leaves an anonymous record of what was "
    "scanned, for staff to follow up. Every check, whatever its verdict, is counted in the "
    "campaign figures."
)
CAMPAIGN_NOTE = N_(
    "Every check shoppers made on this site and through its API (typed, with the camera or "
    "with a photo), counted by day with nothing personal: no address on the internet, no "
    "barcode. A check made again counts again. Checks are counted from the version of the "
    "site that introduced these figures: periods before it show none."
)
SHARES_NOTE = N_(
    "Shares are of the checks of a valid product number: a mistyped number, a photo with no "
    "barcode or a number that is not a product's says nothing of where goods come from. A "
    "Vietnamese-licensed barcode (prefix 893) was registered with GS1 Vietnam; it does not "
    "say where the goods were made. Trusted goods: the number's owner is in the registry of "
    "trusted brands and nothing on the label contradicts it."
)
CAMPAIGN_PROVINCE_NOTE = N_(
    "“In the province” counts the checks of shoppers who chose this province on the scan page. "
    "The choice is optional and never guessed; checks without one are under “Province not "
    "given”."
)
CAMPAIGN_NO_COMMUNE_NOTE = N_(
    "Checks carry no commune: the campaign figures are the whole province's."
)
#: The campaign's key figures, in the order shown: counts, then shares (of product numbers).
CAMPAIGN_ROWS = (
    ("checks", N_("Checks made")),
    ("product_numbers", N_("Checks of a product number")),
    ("vietnamese_share", N_("Share with a Vietnamese-licensed barcode (GS1 Vietnam, 893)")),
    ("trusted_share", N_("Share of trusted goods")),
)
UNKNOWN_PROVINCE_NOTE = N_(
    "Most scans carry no province: the “Province unknown” column counts those, from the "
    "whole country."
)
NO_COMMUNE_NOTE = N_("Scans carry no commune: the scan figures are the whole province's.")
POPULATION_NOTE = N_("Complaints filed during the period; their status as of %(when)s.")


# ---- words and numbers -----------------------------------------------------------------------


def count(value: int | None) -> str:
    """A whole number the reader's way (1.234 in Vietnamese)."""
    return NO_VALUE if value is None else format_decimal(value, format="#,##0")


def decimal(value: float | None) -> str:
    """Days or an average rating, with one or two decimals (1,5 in Vietnamese)."""
    return NO_VALUE if value is None else format_decimal(value, format="#,##0.0#")


def number(value: int | float | None) -> str:
    """A headline value: whole numbers as counts, others with decimals."""
    if isinstance(value, float):
        return decimal(value)
    return count(value)


def change(value: int | float | None) -> str:
    """A difference with its sign: +7, −1,5, 0."""
    if value is None:
        return NO_VALUE
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + number(abs(value))


def day(value: dt.date | dt.datetime | None) -> str:
    """A day as dd/mm/yyyy (the pages' ``day`` filter); datetimes in local time."""
    return NO_VALUE if value is None else i18n.day(value)


def moment(value: dt.datetime | None) -> str:
    """dd/mm/yyyy hh:mm in local time (the pages' ``moment`` filter)."""
    return NO_VALUE if value is None else i18n.moment(value)


def percent(value: float | None) -> str:
    """A share (0-1) as a percentage with one decimal: 41,2 % in Vietnamese."""
    return NO_VALUE if value is None else format_percent(value, format="#,##0.0 %")


def points(current: float | None, previous: float | None) -> str:
    """The change of a share, in percentage points: +3,2 points."""
    if current is None or previous is None:
        return NO_VALUE
    return gettext("%(change)s points", change=change(round((current - previous) * 100, 1)))


def campaign_value(tally: Tally, key: str) -> str:
    """A key figure of the campaign: a count, or a share as a percentage."""
    value = getattr(tally, key)
    return percent(value) if key.endswith("_share") else count(value)


def campaign_change(line: Compared, key: str) -> str:
    """How a key figure changed from the period before: checks, or percentage points."""
    if key.endswith("_share"):
        return points(getattr(line.current, key), getattr(line.previous, key))
    return change(getattr(line.current, key) - getattr(line.previous, key))


def category_name(code: str) -> str:
    """A registry category in words; "" is a product the registry gives no category."""
    if code == NONE:
        return gettext("No category in the registry")
    found = category(code)
    return gettext(found.name) if found else code


def province_name(code: str) -> str:
    """A province in words; "" is a check whose shopper chose none."""
    return gettext("Province not given") if code == NONE else province_names().get(code, code)


def period_title(period: Period) -> str:
    """ "Quarter 3, 2026", "Half-year 1, 2026", "Year 2026", in the reader's language."""
    if period.kind is PeriodKind.QUARTER:
        return gettext("Quarter %(number)s, %(year)s", number=period.number, year=period.year)
    if period.kind is PeriodKind.HALF:
        return gettext("Half-year %(number)s, %(year)s", number=period.number, year=period.year)
    return gettext("Year %(year)s", year=period.year)


def level_name(level: str) -> str:
    """A verdict level in words, or as stored when the verdict does not know it."""
    return i18n.level_words(level)


def area_names(report: Report) -> tuple[str, str]:
    """The province's name and the commune's (empty for the whole province)."""
    province = province_names().get(report.province_code, report.province_code)
    found = commune(report.commune_code) if report.commune_code else None
    return province, (found.name if found else (report.commune_code or ""))


def file_stem(report: Report) -> str:
    """report-2026-Q3-79 (and -26887 for a commune): the name of the files, in ASCII."""
    parts = ["report", report.period.label, report.province_code]
    if report.commune_code:
        parts.append(report.commune_code)
    return "-".join(parts)


# ---- charts ----------------------------------------------------------------------------------


def chart_images(report: Report) -> dict[str, bytes]:
    """The report's charts as PNG files, by name; the scans chart only when there were any."""
    from app.reports import charts  # matplotlib (25 MB): loaded by the processes that draw

    this, before = (
        gettext("This period (%(label)s)", label=report.period.label),
        gettext("Previous period (%(label)s)", label=report.period.previous().label),
    )
    images = {
        "categories": charts.bar_chart(
            gettext("Complaints by problem"),
            [gettext(CATEGORY_NAMES[c]) for c in report.by_category],
            list(report.by_category.values()),
        ),
        "outcomes": charts.bar_chart(
            gettext("Complaints by outcome"),
            [gettext(OUTCOME_NAMES[o]) for o in report.by_outcome],
            list(report.by_outcome.values()),
        ),
        "comparison": charts.grouped_bar_chart(
            gettext("Compared with the previous period"),
            [gettext(HEADLINE_NAMES[key]) for key in COMPARED_COUNTS],
            {
                this: [getattr(report.headline, key) for key in COMPARED_COUNTS],
                before: [getattr(report.previous_headline, key) for key in COMPARED_COUNTS],
            },
        ),
    }
    campaign = report.campaign
    if campaign.by_category:
        images["campaign"] = charts.grouped_bar_chart(
            gettext("Checks by category, whole country"),
            [category_name(line.key) for line in campaign.by_category],
            {
                this: [line.current.checks for line in campaign.by_category],
                before: [line.previous.checks for line in campaign.by_category],
            },
        )
    scans = report.suspect_scans
    if scans.levels:
        images["scans"] = charts.grouped_bar_chart(
            gettext("Suspect scans recorded, by verdict level"),
            [level_name(level) for level in scans.levels],
            {
                gettext("In the province"): [scans.in_province.get(x, 0) for x in scans.levels],
                gettext("Province unknown"): [
                    scans.unknown_province.get(x, 0) for x in scans.levels
                ],
            },
        )
    return images


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ---- page and PDF ----------------------------------------------------------------------------


def template_context(report: Report, images: dict[str, bytes] | None = None) -> dict[str, Any]:
    """What ``reports/_body.html`` needs: the report, names, formatters and chart images."""
    province, commune_name = area_names(report)
    images = chart_images(report) if images is None else images
    return {
        "report": report,
        "province_name": province,
        "commune_name": commune_name,
        "period_title": period_title(report.period),
        "charts": {name: data_uri(png) for name, png in images.items()},
        "outcome_names": OUTCOME_NAMES,
        "headline_names": HEADLINE_NAMES,
        "level_name": level_name,
        "campaign_rows": CAMPAIGN_ROWS,
        "campaign_value": campaign_value,
        "campaign_change": campaign_change,
        "category_name": category_name,
        "province_label": province_name,
        "percent": percent,
        "count": count,
        "decimal": decimal,
        "number": number,
        "change": change,
        "day": day,
        "moment": moment,
        "association_name": current_app.config["ASSOCIATION_NAME"],
        "notes": {
            "times": TIMES_NOTE,
            "overdue": OVERDUE_NOTE,
            "satisfaction": SATISFACTION_NOTE,
            "scans": SCANS_NOTE,
            "unknown_province": UNKNOWN_PROVINCE_NOTE,
            "no_commune": NO_COMMUNE_NOTE,
            "campaign": CAMPAIGN_NOTE,
            "shares": SHARES_NOTE,
            "campaign_province": CAMPAIGN_PROVINCE_NOTE,
            "campaign_no_commune": CAMPAIGN_NO_COMMUNE_NOTE,
        },
        "population_note": gettext(POPULATION_NOTE, when=moment(report.generated_at)),
        "surveys_note": gettext(SURVEYS_NOTE, level="95 %"),
    }


def _weasyprint() -> Any:
    """WeasyPrint, imported late (it loads Pango), without its global Pillow setting.

    Importing ``weasyprint.images`` sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the
    whole process, which would let truncated photo uploads through the evidence checks.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def _data_urls_only(url: str, *args: Any, **kwargs: Any) -> Any:
    """The report embeds its charts as data: URLs; nothing else is ever fetched."""
    if not url.startswith("data:"):
        raise ValueError(f"reports fetch no URL: {url[:60]}")
    return _weasyprint().default_url_fetcher(url, *args, **kwargs)


def render_pdf(report: Report, context: dict[str, Any] | None = None) -> bytes:
    """The report as an A4 PDF in DejaVu Sans."""
    weasyprint = _weasyprint()
    html = render_template("reports/pdf.html", **(context or template_context(report)))
    document = weasyprint.HTML(string=html, url_fetcher=_data_urls_only)
    return document.write_pdf()  # type: ignore[no-any-return]


# ---- workbook --------------------------------------------------------------------------------

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    name = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local time, naive."""
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value else None


class _Workbook:
    """One worksheet per section, each a bold header row over its rows, with set widths."""

    def __init__(self, buffer: io.BytesIO) -> None:
        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EFECE4", "border": 1})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.when = self.book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.decimal = self.book.add_format({"num_format": "0.0#"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.names: set[str] = set()

    def sheet(
        self,
        title: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[int],
        *,
        notes: Sequence[str] = (),
        first_row: int = 0,
    ) -> Any:
        sheet = self.book.add_worksheet(_sheet_name(title, self.names))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        row = first_row
        for note in notes:
            sheet.write(row, 0, note)
            row += 1
        if notes:
            row += 1
        sheet.write_row(row, 0, list(headers), self.bold)
        sheet.freeze_panes(row + 1, 0)
        for offset, values in enumerate(rows, start=row + 1):
            for column, value in enumerate(values):
                self._write(sheet, offset, column, value)
        return sheet

    def _write(self, sheet: Any, row: int, column: int, value: Any) -> None:
        if isinstance(value, dt.datetime):
            sheet.write_datetime(row, column, _local(value), self.when)
        elif isinstance(value, float):
            sheet.write_number(row, column, value, self.decimal)
        elif value is None:
            sheet.write_blank(row, column, None)
        else:
            sheet.write(row, column, value)


def render_xlsx(report: Report, images: dict[str, bytes] | None = None) -> bytes:
    """The report as a workbook: one sheet per section, codes beside names for machines."""
    buffer = io.BytesIO()
    book = _Workbook(buffer)
    province, commune_name = area_names(report)
    code, complaints = gettext("Code"), gettext("Complaints")
    area = f"{province} ({report.province_code})"
    if commune_name:
        area += f" · {commune_name} ({report.commune_code})"
    summary = book.sheet(
        gettext("Summary"),
        [
            code,
            gettext("Indicator"),
            report.period.label,
            report.period.previous().label,
            gettext("Difference"),
        ],
        [
            [c.key, gettext(HEADLINE_NAMES[c.key]), c.current, c.previous, c.difference]
            for c in report.comparison
        ],
        [30, 46, 14, 14, 14],
        first_row=1,
        notes=[
            area,
            f"{period_title(report.period)}: {day(report.period.first_day)} – "
            f"{day(report.period.last_day)}",
            gettext(POPULATION_NOTE, when=moment(report.generated_at)),
        ],
    )
    summary.write(0, 0, gettext("Report on consumer complaints"), book.title)

    def named(title: str, names: dict[Any, str], counts: dict[Any, int], head: str) -> None:
        book.sheet(
            title,
            [code, head, complaints],
            [[key.value, gettext(names[key]), n] for key, n in counts.items()],
            [18, 44, 12],
        )

    named(gettext("Problems"), CATEGORY_NAMES, report.by_category, gettext("Problem"))
    named(gettext("Statuses"), STATUS_NAMES, report.by_status, gettext("Status"))
    named(gettext("Outcomes"), OUTCOME_NAMES, report.by_outcome, gettext("Outcome"))
    book.sheet(
        gettext("Response times"),
        [
            code,
            gettext("Measure"),
            complaints,
            gettext("Median (days)"),
            gettext("90th percentile (days)"),
        ],
        [
            ["take_up", gettext("Time to take up"), *_stats(report.take_up)],
            ["close", gettext("Time to close"), *_stats(report.close)],
            ["overdue", gettext("Overdue"), report.overdue, None, None],
        ],
        [12, 30, 12, 16, 22],
        notes=[gettext(TIMES_NOTE), gettext(OVERDUE_NOTE)],
    )
    book.sheet(
        gettext("Top products"),
        [gettext("Rank"), gettext("Barcode (GTIN)"), gettext("Product"), complaints],
        # As printed on the pack, written as text (the leading zero of a UPC-A stays).
        [
            [i, printed_gtin(t.key), t.label, t.count]
            for i, t in enumerate(report.top_gtins, start=1)
        ],
        [8, 18, 44, 12],
    )
    book.sheet(
        gettext("Top brands"),
        [gettext("Rank"), gettext("Brand"), complaints],
        [[i, t.label, t.count] for i, t in enumerate(report.top_brands, start=1)],
        [8, 44, 12],
    )
    book.sheet(
        gettext("Top stores"),
        [gettext("Rank"), gettext("Store"), complaints],
        [[i, t.label, t.count] for i, t in enumerate(report.top_stores, start=1)],
        [8, 44, 12],
    )
    book.sheet(
        gettext("Confirmed counterfeits"),
        [
            gettext("Case number"),
            gettext("Problem"),
            gettext("Product"),
            gettext("Store"),
            gettext("Address"),
            gettext("Received"),
            gettext("Closed"),
        ],
        [
            [
                case.case_number,
                gettext(CATEGORY_NAMES[case.category]),
                case.product,
                case.store_name,
                case.store_address,
                case.created_at,
                case.closed_at,
            ]
            for case in report.confirmed_counterfeit
        ],
        [14, 22, 44, 30, 36, 17, 17],
    )
    satisfaction = report.satisfaction
    book.sheet(
        gettext("Satisfaction"),
        [gettext("Stars"), gettext("Ratings")],
        [
            *[[stars, n] for stars, n in satisfaction.distribution.items()],
            [gettext("All"), satisfaction.count],
            [gettext("Average"), satisfaction.average],
        ],
        [14, 12],
        notes=[gettext(SATISFACTION_NOTE)],
    )
    _survey_sheet(book, report)
    scans = report.suspect_scans
    book.sheet(
        gettext("Suspect scans"),
        [code, gettext("Verdict level"), gettext("In the province"), gettext("Province unknown")],
        [
            *[
                [x, level_name(x), scans.in_province.get(x, 0), scans.unknown_province.get(x, 0)]
                for x in scans.levels
            ],
            ["", gettext("All"), scans.total_in_province, scans.total_unknown_province],
        ],
        [20, 52, 16, 18],
        notes=[gettext(SCANS_NOTE), gettext(UNKNOWN_PROVINCE_NOTE)]
        + ([gettext(NO_COMMUNE_NOTE)] if report.commune_code else []),
    )
    _campaign_sheets(book, report)
    pictures = book.book.add_worksheet(_sheet_name(gettext("Charts"), book.names))
    row = 0
    for png in (images if images is not None else chart_images(report)).values():
        pictures.insert_image(row, 0, "chart.png", {"image_data": io.BytesIO(png)})
        row += 32
    book.book.close()
    return buffer.getvalue()


def _survey_sheet(book: _Workbook, report: Report) -> None:
    """The satisfaction surveys of the period: a row per figure of each survey, then its brands
    (their satisfaction index)."""
    from app.surveys.display import figure

    def line(name: str, label: str, result: Any, *, share: bool = False) -> list[Any]:
        estimate = result.estimate if result.shown else None
        scale = 100 if share else 1
        low = estimate.low if estimate is not None else None
        high = estimate.high if estimate is not None else None
        return [
            name,
            label,
            result.n,
            figure(result, share=share),
            None if low is None else low * scale,
            None if high is None else high * scale,
        ]

    rows: list[list[Any]] = []
    for item in report.surveys:
        summary = item.overall.summary
        name = f"{item.survey.title} ({item.survey.code})"
        rows.append([name, gettext("Answers"), item.answers, None, None, None])
        rows.append(
            [name, gettext("from this province"), item.answers_in_province, None, None, None]
        )
        rows.append(line(name, gettext("Satisfaction index (0–100)"), summary.index))
        rows.append(line(name, gettext("Would choose it again"), summary.choose_again, share=True))
        rows.extend(
            line(name, gettext("Brand: %(name)s", name=brand.name), brand.summary.index)
            for brand in item.brands
        )
    book.sheet(
        gettext("Surveys"),
        [
            gettext("Survey"),
            gettext("Figure"),
            gettext("Answers"),
            gettext("This survey"),
            gettext("Interval from (%(level)s)", level="95 %"),
            gettext("Interval to (%(level)s)", level="95 %"),
        ],
        rows,
        [40, 34, 10, 30, 16, 16],
        notes=[gettext(SURVEYS_NOTE, level="95 %")],
    )


def _share(value: float | None) -> float | None:
    """A share as a percentage number (41.2) for a worksheet cell."""
    return None if value is None else round(value * 100, 1)


def _campaign_sheets(book: _Workbook, report: Report) -> None:
    """The campaign figures: key figures in the province and the country, then the country's
    checks by verdict level, category and province, each against the period before."""
    campaign = report.campaign
    this, before = report.period.label, report.period.previous().label
    province, country = gettext("In the province"), gettext("Whole country")
    code, difference = gettext("Code"), gettext("Difference")

    def value(tally: Tally, key: str) -> Any:
        found = getattr(tally, key)
        return _share(found) if key.endswith("_share") else found

    book.sheet(
        gettext("Campaign figures"),
        [
            code,
            gettext("Indicator"),
            f"{province} {this}",
            f"{province} {before}",
            f"{country} {this}",
            f"{country} {before}",
        ],
        [
            [
                key,
                gettext(name) + (" (%)" if key.endswith("_share") else ""),
                value(campaign.province.current, key),
                value(campaign.province.previous, key),
                value(campaign.country.current, key),
                value(campaign.country.previous, key),
            ]
            for key, name in CAMPAIGN_ROWS
        ],
        [18, 60, 20, 20, 20, 20],
        notes=[gettext(CAMPAIGN_NOTE), gettext(SHARES_NOTE), gettext(CAMPAIGN_PROVINCE_NOTE)]
        + ([gettext(CAMPAIGN_NO_COMMUNE_NOTE)] if report.commune_code else []),
    )
    book.sheet(
        gettext("Checks by verdict level"),
        [code, gettext("Verdict level"), this, before, difference],
        [
            [
                line.key,
                level_name(line.key),
                line.current.checks,
                line.previous.checks,
                line.difference,
            ]
            for line in campaign.by_level
        ],
        [20, 52, 14, 14, 14],
    )
    shares = [
        gettext("Share with a Vietnamese-licensed barcode (%)"),
        gettext("Share of trusted goods (%)"),
    ]
    for title, head, lines, name in (
        (gettext("Checks by category"), gettext("Category"), campaign.by_category, category_name),
        (gettext("Checks by province"), gettext("Province"), campaign.by_province, province_name),
    ):
        book.sheet(
            title,
            [code, head, this, before, difference, *shares],
            [
                [
                    line.key,
                    name(line.key),
                    line.current.checks,
                    line.previous.checks,
                    line.difference,
                    _share(line.current.vietnamese_share),
                    _share(line.current.trusted_share),
                ]
                for line in lines
            ],
            [18, 40, 14, 14, 14, 24, 20],
        )


def _stats(stats: Any) -> list[Any]:
    return [stats.count, stats.median_days, stats.p90_days]
