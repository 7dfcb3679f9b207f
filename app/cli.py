"""Command-line tools: ``flask registry import FILE`` (a list in CSV, or the published catalogue
as CSV or JSON), ``flask registry load-sample``."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from app.clock import LOCAL_TZ, utc_now
from app.extensions import db
from app.i18n import render_message
from app.unit_of_work import commit
from barcode_db import admin
from barcode_db.areas import is_commune_of, province_names
from barcode_db.importer import ImportReport
from barcode_db.messages import Refusal
from barcode_db.models import Company
from barcode_db.open_data import read_catalogue_json
from barcode_db.registry_files import read_rows
from complaints.accounts import Role, User

registry_cli = AppGroup("registry", help="The trusted-brand registry.")


def _print_report(report: ImportReport, lang: str, *, where: str = "line") -> None:
    with force_locale(lang):
        if not report.ok:
            click.echo(f"{len(report.errors)} bad row(s); nothing was imported:", err=True)
            for error in report.errors:
                click.echo(f"  {where} {error.line}: {render_message(error.message)}", err=True)
            return
        created = ", ".join(f"{n} {k}" for k, n in sorted(report.created.items())) or "none"
        updated = ", ".join(f"{n} {k}" for k, n in sorted(report.updated.items())) or "none"
        click.echo(f"Imported {report.rows} row(s). Created: {created}. Updated: {updated}.")
        if report.notices:
            click.echo(f"{len(report.notices)} retired record(s) left retired:")
            for notice in report.notices:
                click.echo(f"  {where} {notice.line}: {render_message(notice.message)}")


def _import(text: str, *, sample: bool, lang: str) -> ImportReport:
    """Import a list as the admin's import page does (audited), and commit it or nothing.

    A JSON text is the published catalogue (``GET /api/v1/catalogue``: a page, or a list of
    pages); its problems are given by row of the list it becomes, as it has no lines of its own.
    """
    is_json = text.lstrip().startswith(("{", "["))
    rows, errors = read_catalogue_json(text) if is_json else read_rows(text)
    if errors:
        report = ImportReport(errors=errors)
    else:
        report = admin.import_rows(
            db.session,
            rows,
            actor=admin.COMMAND_LINE,
            now=utc_now(),
            is_sample=sample,
            local_tz=LOCAL_TZ,
        )
    if report.ok:
        try:
            commit()
        except Refusal as refused:
            with force_locale(lang):
                raise click.ClickException(render_message(refused.message)) from refused
    else:
        db.session.rollback()
    _print_report(report, lang, where="row" if is_json else "line")
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
    """Import (or update) the registry from a CSV file, or from the catalogue another
    association publishes (its CSV, or its JSON pages saved in one file): all rows or none."""
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


users_cli = AppGroup("users", help="Staff accounts.")


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return user


def _check_area(role: Role, province: str | None, communes: tuple[str, ...]) -> None:
    if province is not None and province not in province_names():
        raise click.ClickException(f"Unknown province code {province!r} (two digits, 2025 list).")
    if role is Role.STAFF and province is None:
        raise click.ClickException("Staff accounts need --province (their area).")
    for code in communes:
        if province is None or not is_commune_of(code, province):
            raise click.ClickException(f"Commune {code!r} is not in province {province!r}.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Full name, shown in the audit trail.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--province", default=None, help="Province code (staff: required).")
@click.option("--commune", "communes", multiple=True, help="Limit to these communes (repeat).")
@click.option("--email", default="")
@click.password_option(help="At least 10 characters; asked for when not given.")
def users_create(
    username: str,
    name: str,
    role: str,
    province: str | None,
    communes: tuple[str, ...],
    email: str,
    password: str,
) -> None:
    """Create a staff account."""
    chosen = Role(role)
    _check_area(chosen, province, communes)
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"User {username!r} exists already.")
    user = User(
        username=username,
        name=name,
        role=chosen,
        province_code=province,
        commune_codes=list(communes),
        email=email,
    )
    try:
        user.set_password(password)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username} ({chosen.value}).")


@users_cli.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--province", default=None)
@click.option("--commune", "communes", multiple=True)
def users_set_role(
    username: str, role: str, province: str | None, communes: tuple[str, ...]
) -> None:
    """Change a user's role and area; their sessions end."""
    user = _user(username)
    chosen = Role(role)
    _check_area(chosen, province, communes)
    user.role, user.province_code, user.commune_codes = chosen, province, list(communes)
    user.session_token = secrets.token_urlsafe(32)
    db.session.commit()
    click.echo(f"{username} is now {chosen.value}.")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account; its sessions end at once."""
    user = _user(username)
    user.active = False
    user.session_token = secrets.token_urlsafe(32)
    db.session.commit()
    click.echo(f"{username} is disabled.")


complaints_cli = AppGroup("complaints", help="Complaint housekeeping.")


@complaints_cli.command("refresh")
def complaints_refresh() -> None:
    """Recompute deadlines and priorities of open complaints (run hourly: age moves them),
    remove the photos kept for report forms that expired, and the stored files no record
    refers to (older than an hour: left by a process killed while filing)."""
    from app.calendar import working_calendar
    from app.clock import utc_now
    from complaints.models import Complaint
    from complaints.triage import refresh_priority
    from complaints.workflow import OPEN_STATES

    calendar, now, done = working_calendar(), utc_now(), 0
    last_id = 0
    while True:
        batch = db.session.scalars(
            sa.select(Complaint)
            .where(Complaint.status.in_(list(OPEN_STATES)), Complaint.id > last_id)
            .order_by(Complaint.id)
            .limit(500)
        ).all()
        if not batch:
            break
        for complaint in batch:
            refresh_priority(db.session, complaint, calendar=calendar, now=now)
        last_id = batch[-1].id
        done += len(batch)
        db.session.commit()
    click.echo(f"Refreshed {done} open complaint(s).")
    from app.complaint_service import purge_staged_photos

    click.echo(f"Removed {purge_staged_photos()} expired photo(s) kept for report forms.")
    from app.jobs.queue import housekeeping

    reaped, expired = housekeeping()
    click.echo(
        f"Removed {expired} expired file(s) of background jobs; started again "
        f"{len(reaped.requeued)} and gave up {len(reaped.failed)} job(s) whose worker stopped."
    )
    from app.complaint_service import remove_orphaned_files
    from complaints.storage import StoreUnavailable

    try:
        orphans = remove_orphaned_files()
    except StoreUnavailable as error:
        raise click.ClickException(f"The photo store cannot be reached: {error}") from error
    finally:
        db.session.rollback()  # it only read: end its transaction
    click.echo(f"Removed {orphans} stored file(s) that no record refers to.")


def init_app(app: Flask) -> None:
    app.cli.add_command(registry_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(complaints_cli)

    from app.reports.views import reports_cli

    app.cli.add_command(reports_cli)

    from app.surveys.cli import surveys_cli

    app.cli.add_command(surveys_cli)

    from app.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)

    from app.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
