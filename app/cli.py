"""Command-line tools: ``flask registry import FILE``, ``flask registry load-sample``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from app.extensions import db
from app.i18n import render_message
from barcode_db.importer import ImportReport, import_registry, read_rows
from barcode_db.models import Company

registry_cli = AppGroup("registry", help="The trusted-brand registry.")


def _print_report(report: ImportReport, lang: str) -> None:
    with force_locale(lang):
        if not report.ok:
            click.echo(f"{len(report.errors)} bad row(s); nothing was imported:", err=True)
            for error in report.errors:
                click.echo(f"  line {error.line}: {render_message(error.message)}", err=True)
            return
        created = ", ".join(f"{n} {k}" for k, n in sorted(report.created.items())) or "none"
        updated = ", ".join(f"{n} {k}" for k, n in sorted(report.updated.items())) or "none"
        click.echo(f"Imported {report.rows} row(s). Created: {created}. Updated: {updated}.")


def _import(text: str, *, sample: bool, lang: str) -> ImportReport:
    rows, errors = read_rows(text)
    if errors:
        report = ImportReport(errors=errors)
    else:
        report = import_registry(db.session, rows, is_sample=sample)
    if report.ok:
        db.session.commit()
    else:
        db.session.rollback()
    _print_report(report, lang)
    return report


@registry_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Mark the rows as sample data.")
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Language of the report.",
)
def import_command(path: Path, sample: bool, lang: str) -> None:
    """Import (or update) the registry from a CSV file: all rows or none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException("The file is not UTF-8 text (save it as CSV UTF-8).") from exc
    if not _import(text, sample=sample, lang=lang).ok:
        raise SystemExit(1)


@registry_cli.command("load-sample")
@click.option("--if-empty", is_flag=True, help="Only when the registry has no company yet.")
def load_sample_command(if_empty: bool) -> None:
    """Load the bundled sample registry (marked as sample data on every page)."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Company)):
        click.echo("The registry already has companies; sample not loaded.")
        return
    text = resources.files("barcode_db").joinpath("data/sample_registry.csv").read_text("utf-8")
    if not _import(text, sample=True, lang="en").ok:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(registry_cli)
