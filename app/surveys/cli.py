"""``flask surveys``: list the surveys, export a survey's anonymised answers as XLSX."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale, gettext

from app.clock import local_today
from app.extensions import db
from surveys.design import STAGE_NAMES, answer_count, find_survey, stage
from surveys.exports import answers_xlsx, file_name
from surveys.models import Survey

surveys_cli = AppGroup("surveys", help="Consumer satisfaction surveys.")


@surveys_cli.command("list")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def list_command(lang: str) -> None:
    """Every survey: code, period, stage, answers, title."""
    today = local_today()
    with force_locale(lang):
        for survey in db.session.scalars(sa.select(Survey).order_by(Survey.opens_on, Survey.id)):
            stage_name = gettext(STAGE_NAMES[stage(survey, today)])
            click.echo(
                f"{survey.code}  {survey.opens_on:%d/%m/%Y}–{survey.closes_on:%d/%m/%Y}  "
                f"{stage_name:<12}  {answer_count(db.session, survey):>7}  {survey.title}"
            )


@surveys_cli.command("export")
@click.argument("code")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder to write the file to (made if missing).",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def export_command(code: str, out: Path, lang: str) -> None:
    """Write a survey's anonymised answers as XLSX (no device, comments' phone numbers and
    e-mail addresses masked)."""
    with force_locale(lang):
        survey = find_survey(db.session, code)
        if survey is None:
            raise click.ClickException(gettext("No survey has the code %(code)s.", code=code))
        data = answers_xlsx(db.session, survey, gettext)
    out.mkdir(parents=True, exist_ok=True)
    path = out / file_name(survey, local_today())
    path.write_bytes(data)
    click.echo(str(path))


@surveys_cli.command("rebuild-sums")
@click.argument("code", required=False)
def rebuild_sums_command(code: str | None) -> None:
    """Recompute the summed answers the results read, from the answers (one survey, or all):
    after restoring answers from a backup, or to check them."""
    from app.unit_of_work import unit_of_work
    from surveys.sums import rebuild

    with force_locale("vi"):
        if code is None:
            surveys = list(db.session.scalars(sa.select(Survey).order_by(Survey.id)))
        else:
            found = find_survey(db.session, code)
            if found is None:
                raise click.ClickException(gettext("No survey has the code %(code)s.", code=code))
            surveys = [found]
        with unit_of_work() as session:
            for survey in surveys:
                rows = rebuild(session, survey)
                click.echo(f"{survey.code}: {rows} rows")
