"""Glue between the web layer and the verdict core: one place that turns a code or a photo
into a :class:`~barcode_db.verdict.Verdict`, used by the pages and by the JSON API."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from sqlalchemy.exc import SQLAlchemyError

from app.clock import local_today, utc_now
from app.extensions import db, limiter, registry_cache
from barcode_db.decode import DecodedCode, decode_image
from barcode_db.gtin import ParsedCode, parse_code
from barcode_db.images import load_image
from barcode_db.messages import N_, Message
from barcode_db.prefixes import default_table
from barcode_db.registry import RegistrySnapshot
from barcode_db.verdict import LabelClaims, Level, Reason, Tone, Verdict, verdict_for
from complaints.operations import record_signal
from complaints.queries import fetch_history


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    decoded: tuple[DecodedCode, ...] = ()
    extra_reasons: tuple[Reason, ...] = field(default_factory=tuple)
    #: How long reading the photo took (loading and decoding), for a photo verification.
    decode_ms: float | None = None

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.extra_reasons + self.verdict.reasons


def photo_rate_limit() -> str:
    """One limit per client shared by the photo form and the photo API (decoding costs CPU)."""
    return str(current_app.config["PHOTO_VERIFY_RATE_LIMIT"])


def snapshot() -> RegistrySnapshot:
    return registry_cache.get(db.session)


def verify_code(
    raw: str, *, symbology: str | None = None, claims: LabelClaims | None = None
) -> Verification:
    parsed = parse_code(raw, symbology)
    return Verification(verdict=_verdict(parsed, claims))


def _verdict(parsed: ParsedCode, claims: LabelClaims | None) -> Verdict:
    history = fetch_history(db.session, parsed.gtin14) if parsed.valid and parsed.gtin14 else None
    return verdict_for(
        parsed,
        prefixes=default_table(),
        registry=snapshot(),
        today=local_today(),
        claims=claims,
        history=history,
    )


NO_CODE_IN_PHOTO = Message(
    "no_code_in_photo",
    N_(
        "No barcode was found in the photo. Take a closer, sharper photo with the whole barcode "
        "in the frame and good light, or type the digits under the bars."
    ),
)


def verify_photo(data: bytes, *, claims: LabelClaims | None = None) -> Verification:
    """Decode a label photo and give the verdict for the first product number in it.

    Raises :class:`barcode_db.images.ImageRejected` for anything that is not a usable image.
    """
    # Leave room in the one-second answer for loading the photo and rendering the page.
    started = time.perf_counter()
    decoded = tuple(decode_image(load_image(data), time_budget=0.75))
    decode_ms = round((time.perf_counter() - started) * 1000, 1)
    candidates = [parse_code(code.text, code.symbology) for code in decoded]
    chosen = next((p for p in candidates if p.valid), None) or next(iter(candidates), None)
    if chosen is None:
        empty = parse_code("")
        verdict = verdict_for(
            empty, prefixes=default_table(), registry=snapshot(), today=local_today(), claims=claims
        )
        verdict = Verdict(
            level=Level.UNKNOWN,
            reasons=(
                Reason(NO_CODE_IN_PHOTO, Tone.WARNING),
                *(r for r in verdict.reasons if r.code != "empty"),
            ),
            facts=verdict.facts,
        )
        return Verification(verdict=verdict, decoded=decoded, decode_ms=decode_ms)
    return Verification(verdict=_verdict(chosen, claims), decoded=decoded, decode_ms=decode_ms)


#: Suspect verifications worth a signal; UNKNOWN only counts for photos (a label with no code).
SIGNAL_LEVELS = frozenset({Level.INVALID, Level.LOOKALIKE, Level.MISMATCH, Level.REPORTED})
#: How many signals one client may leave: enough for a shopper, not for a flood.
SIGNAL_CAP = parse_limit("30/hour")


def record_signal_for(result: Verification, *, from_photo: bool) -> bool:
    """Record an anonymous signal for a suspect verification, capped per client.

    Returns whether a signal was recorded. Commits on its own: a signal is a side record, and
    failing to store it must not fail the verification the shopper asked for.
    """
    verdict = result.verdict
    if not (verdict.level in SIGNAL_LEVELS or (from_photo and verdict.level is Level.UNKNOWN)):
        return False
    if limiter.enabled and not limiter.limiter.hit(SIGNAL_CAP, "signal", get_remote_address()):
        return False
    parsed = verdict.facts.parsed
    match = verdict.facts.brand_match
    try:
        record_signal(
            db.session,
            level=verdict.level.value,
            gtin=parsed.gtin14 if parsed.valid else None,
            code_seen=parsed.input,
            brand_seen=match.query if match else "",
            from_photo=from_photo,
            province_code=None,
            now=utc_now(),
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("could not record a signal")
        return False
    return True
