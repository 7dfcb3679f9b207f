"""Glue between the web layer and the verdict core: one place that turns a code or a photo
into a :class:`~barcode_db.verdict.Verdict`, used by the pages and by the JSON API."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import current_app, url_for
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from sqlalchemy.exc import SQLAlchemyError

from app import observability
from app.clock import local_today, utc_now
from app.expensive import expensive_work
from app.extensions import db, history_cache, limiter, registry_cache
from app.unit_of_work import unit_of_work
from barcode_db.catalogue import OFFERED_AFTER, Alternative, alternatives_after, scan_category
from barcode_db.decode import (
    DEFAULT_WORK_BUDGET,
    WORKING_LONG_SIDE,
    BarcodeReading,
    DecodedCode,
    Disagreement,
    first_step_work,
    read_barcodes,
)
from barcode_db.gtin import ParsedCode, parse_code, printed_gtin
from barcode_db.images import (
    MAX_ASPECT_RATIO,
    MAX_CAMERA_PIXELS,
    MAX_NON_CAMERA_PIXELS,
    OpenedImage,
    open_image,
)
from barcode_db.label import LabelReading, OcrUnavailable, label_claims, read_label
from barcode_db.label_text import country_code
from barcode_db.messages import N_, Message, Refusal
from barcode_db.prefixes import default_table
from barcode_db.provenance import ProvenanceFact, provenance
from barcode_db.registry import RegistrySnapshot
from barcode_db.verdict import (
    SUSPECT_LEVELS,
    History,
    LabelClaims,
    Level,
    Reason,
    Tone,
    Verdict,
    verdict_for,
)
from complaints.operations import record_signal


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    decoded: tuple[DecodedCode, ...] = ()
    extra_reasons: tuple[Reason, ...] = field(default_factory=tuple)
    #: How long reading the photos took (loading and decoding), for a photo verification.
    decode_ms: float | None = None
    #: What the label photos say (OCR), for a photo verification.
    label: LabelReading | None = None
    #: Different product numbers read on the photos: the shopper chooses, we do not.
    choices: tuple[ParsedCode, ...] = ()
    #: Barcodes read two different ways, which agreement could not settle.
    unclear: tuple[Disagreement, ...] = ()
    #: Why the verdict is for the number it is for (photo verifications): ``one_number`` (one
    #: product number on the photos), ``several_numbers`` (different products: the shopper
    #: chooses), ``unclear`` (one barcode read two ways: the shopper compares with the digits
    #: printed), ``no_number`` (nothing read).
    chosen_reason: str | None = None
    #: How many photos were read (0 for a typed code).
    photos: int = 0

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.extra_reasons + self.verdict.reasons


def typed_claims(
    *,
    brand: str | None = None,
    made_in_vietnam: bool = False,
    maker: str | None = None,
    origin: str | None = None,
    expires: dt.date | None = None,
) -> LabelClaims:
    """What the shopper typed (or corrected) about the label, as claims of theirs."""
    origin = (origin or "").strip() or None
    return LabelClaims(
        brand=(brand or "").strip() or None,
        made_in_vietnam=made_in_vietnam,
        maker=(maker or "").strip() or None,
        origin=origin,
        origin_country=country_code(origin) if origin else None,
        expires=expires,
        expires_text=expires.isoformat() if expires else None,
    )


def photo_rate_limit() -> str:
    """One limit per client shared by the photo form and the photo API (decoding costs CPU)."""
    return str(current_app.config["PHOTO_VERIFY_RATE_LIMIT"])


def snapshot() -> RegistrySnapshot:
    return registry_cache.get(db.session)


def verify_code(
    raw: str, *, symbology: str | None = None, claims: LabelClaims | None = None
) -> Verification:
    parsed = parse_code(raw, symbology)
    return verify_parsed(parsed, claims=claims, inputs=verdict_inputs(parsed))


def verify_parsed(
    parsed: ParsedCode,
    *,
    claims: LabelClaims | None,
    inputs: tuple[RegistrySnapshot, History | None, dt.date],
) -> Verification:
    """The verdict on an already parsed code, from the inputs :func:`verdict_inputs` gave."""
    verdict = _verdict(parsed, claims, inputs)
    observability.count_verdict(verdict.level.value, "code")
    return Verification(verdict=verdict)


def verdict_inputs(parsed: ParsedCode) -> tuple[RegistrySnapshot, History | None, dt.date]:
    """What a verdict about ``parsed`` rests on besides the code and the claims: the registry
    snapshot, the code's complaint history and today. Both reads are cached in this process
    (app/extensions.py): no round trip when fresh, and the same objects while nothing changed."""
    history = (
        history_cache.get(db.session, parsed.gtin14) if parsed.valid and parsed.gtin14 else None
    )
    return snapshot(), history, local_today()


def _verdict(
    parsed: ParsedCode,
    claims: LabelClaims | None,
    inputs: tuple[RegistrySnapshot, History | None, dt.date] | None = None,
) -> Verdict:
    registry, history, today = inputs or verdict_inputs(parsed)
    return verdict_for(
        parsed,
        prefixes=default_table(),
        registry=registry,
        today=today,
        claims=claims,
        history=history,
    )


@dataclass(frozen=True)
class Explained:
    """What the verdict page and the API add to a verdict (issue 14): the facts of where the
    product comes from, each with its source and date, and Vietnamese alternatives."""

    provenance: tuple[ProvenanceFact, ...]
    #: Alternatives are offered after this verdict (barcode_db.catalogue.OFFERED_AFTER).
    offers_alternatives: bool
    #: The category they were looked for in; None when nobody knows what the product is.
    category: str | None
    #: The category is the registry's (the scanned number is a registry product): the shopper
    #: is not asked what the product is.
    category_from_registry: bool
    alternatives: tuple[Alternative, ...]


def explain(
    result: Verification,
    *,
    category: str | None = None,
    inputs: tuple[RegistrySnapshot, History | None, dt.date] | None = None,
) -> Explained:
    """The provenance facts and the alternatives of a verification: the one place both the
    verdict page and the API take them from. ``category`` is what the shopper said the product
    is (a category code), used when the registry does not know; ``inputs`` are the verdict's
    (:func:`verdict_inputs`), so that both rest on the same registry snapshot and day."""
    verdict = result.verdict
    registry, today = (inputs[0], inputs[2]) if inputs else (snapshot(), local_today())
    product = verdict.facts.product
    chosen = scan_category(verdict, category)
    return Explained(
        provenance=provenance(verdict.facts),
        offers_alternatives=verdict.level in OFFERED_AFTER,
        category=chosen,
        category_from_registry=product is not None and bool(product.category),
        alternatives=tuple(alternatives_after(registry, verdict, chosen, today=today)),
    )


def product_url(gtin14: str, *, external: bool = False) -> str:
    """The catalogue page of a registry product, at the number printed on its pack."""
    return url_for("public.product", gtin=printed_gtin(gtin14), _external=external)


class CachedAnswer(NamedTuple):
    body: bytes
    verdict: Verdict


class AnswerCache:
    """Whole answers to typed-code verifications, kept while what they rest on is the same.

    An answer is a pure function of the request (code, claims, language) and of
    :func:`verdict_inputs`; it is served again only while those are the *same objects* (the
    registry snapshot and the history are replaced, never changed, when the registry or the
    complaints move) and the same day - so it is never staler than the caches it rests on. Only
    answers that record nothing are kept (a suspect verification leaves a signal every time).
    An answer keeps its verdict: served again, it is one more check in the campaign figures.
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[object, tuple[object, object, dt.date, CachedAnswer]] = {}
        self._lock = threading.Lock()

    def get(self, key: object, inputs: tuple[object, object, dt.date]) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not inputs[0] or entry[1] is not inputs[1]:
            return None
        return entry[3] if entry[2] == inputs[2] else None

    def put(
        self, key: object, inputs: tuple[object, object, dt.date], answer: CachedAnswer
    ) -> None:
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (inputs[0], inputs[1], inputs[2], answer)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


answers = AnswerCache()
registry_cache.also_clear.append(answers.clear)


NO_CODE_IN_PHOTO = Message(
    "no_code_in_photo",
    N_(
        "No barcode was found in the photo. Take a closer, sharper photo with the whole barcode "
        "in the frame and good light, or type the digits under the bars."
    ),
)
PHOTOS_DISAGREE = Message(
    "codes_disagree",
    N_(
        "The photos show different product numbers: %(codes)s. We give no verdict on a number "
        "that may not be on your product: choose the one on it below, or check one product at a "
        "time."
    ),
)
PHOTO_TWO_PRODUCTS = Message(
    "codes_disagree",
    N_(
        "This photo shows different product numbers: %(codes)s. We give no verdict on a number "
        "that may not be on your product: choose the one on it below, or photograph one product "
        "at a time."
    ),
)
LABEL_NOT_READ = Message(
    "label_not_read",
    N_("The label text could not be read on this server; only the barcode was checked."),
)
CODE_UNCLEAR = Message(
    "code_unclear",
    N_(
        "We read the same barcode two different ways (%(codes)s): the photo is not clear enough "
        "to tell which number is printed, and we give no verdict on a number that may not be on "
        "your product. Compare with the digits under the bars and choose, take a closer photo of "
        "the barcode, or type the digits."
    ),
)
#: Photos of one product a shopper may send in one check (front, back, barcode side).
MAX_LABEL_PHOTOS = 3
#: Work the barcode decoder may do over all the photos of one check, decoding the files included
#: (work units of barcode_db.decode, about 8 ns each: 0.72 s; the same answer on an idle and a
#: busy server), and at least per photo.
DECODE_WORK = 3 * DEFAULT_WORK_BUDGET // 2
MIN_PHOTO_WORK = DEFAULT_WORK_BUDGET // 2


def open_photo(data: bytes) -> OpenedImage:
    """A shopper's photo checked from its header: what a phone makes, nothing decoded yet."""
    return open_image(
        data,
        max_pixels=MAX_CAMERA_PIXELS,
        max_non_camera_pixels=MAX_NON_CAMERA_PIXELS,
        max_aspect_ratio=MAX_ASPECT_RATIO,
    )


def read_photos(photos: Sequence[OpenedImage]) -> list[BarcodeReading | None]:
    """The barcodes on each photo, all within DECODE_WORK: each photo its share (at least
    MIN_PHOTO_WORK) of what the ones before it left. Only the first photo's first look is taken
    whatever it costs; a later photo whose first look does not fit is not read (None)."""
    share = max(MIN_PHOTO_WORK, DECODE_WORK // max(1, len(photos)))
    left = DECODE_WORK
    readings: list[BarcodeReading | None] = []
    for number, photo in enumerate(photos):
        budget = max(0, min(share, left))
        if number and first_step_work(photo) > budget:
            readings.append(None)
            continue
        reading = read_barcodes(photo, work_budget=budget)
        left -= reading.work
        readings.append(reading)
    return readings


def verify_photo(data: bytes, *, claims: LabelClaims | None = None) -> Verification:
    """One label photo: see :func:`verify_photos`."""
    return verify_photos([data], claims=claims)


def verify_photos(
    photos: Sequence[bytes], *, claims: LabelClaims | None = None, live_code: str | None = None
) -> Verification:
    """Decode the barcode on up to three photos of one product, read their label text, and give
    the verdict for the one product number on them, with what the label says. ``live_code`` is
    a number the live camera read before it took a still of the label: it counts as one more
    photo's number.

    What the shopper typed (``claims``) takes the place of what was read. Different valid
    numbers on the photos give no verdict: the shopper is asked to choose. Raises
    :class:`barcode_db.images.ImageRejected` for anything that is not a usable image. The photos
    are checked from their headers first; decoding and reading them holds one of the machine's
    expensive-work slots (:mod:`app.expensive`: a 503 when none frees in time).
    """
    started = time.perf_counter()
    opened = [open_photo(data) for data in photos[:MAX_LABEL_PHOTOS]]
    checking_ms = (time.perf_counter() - started) * 1000
    registry = snapshot()
    typed = claims or LabelClaims()
    label: LabelReading | None = None
    extra: tuple[Reason, ...] = ()
    with expensive_work():
        started = time.perf_counter()
        read = read_photos(opened)
        # The header checks and the barcode reading, decoding included; not the wait for a slot.
        decode_ms = round(checking_ms + (time.perf_counter() - started) * 1000, 1)
        observability.BARCODE_DECODE_SECONDS.observe(decode_ms / 1000)
        # The label is read at the resolution the barcodes were (decoded once, for both), on the
        # photos the barcode reader could afford a look at (the first one always).
        images = [
            photo.decode(WORKING_LONG_SIDE)
            for photo, reading in zip(opened, read, strict=True)
            if reading is not None
        ]
        try:
            started = time.perf_counter()
            label = read_label(images, registry=registry)
            observability.LABEL_OCR_SECONDS.observe(time.perf_counter() - started)
            claims = label_claims(label).corrected_by(typed)
        except OcrUnavailable:
            current_app.logger.exception("the label reader is not installed")
            extra = (Reason(LABEL_NOT_READ, Tone.INFO),)
            claims = typed
        del images
    readings = [reading for reading in read if reading is not None]
    decoded = tuple(code for reading in readings for code in reading.codes)
    numbers, unclear = _numbers(readings, live_code)
    chosen: ParsedCode | None = None
    choices: tuple[ParsedCode, ...] = ()
    if unclear:
        # One barcode read two ways: no verdict; the shopper compares with the printed digits.
        choices = tuple(
            {
                p.gtin14: p
                for d in unclear
                for c in d.readings
                if (p := parse_code(c.text, c.symbology)).valid
            }.values()
        )
        codes = "; ".join(" / ".join(d.texts) for d in unclear)
        lead = Message(CODE_UNCLEAR.code, CODE_UNCLEAR.msgid, {"codes": codes})
        verdict = _without_number(Reason(lead, Tone.WARNING), claims)
        reason = "unclear"
    elif len(numbers) > 1:
        # Several product numbers: no verdict about any, the shopper chooses.
        choices = tuple(numbers)
        codes = ", ".join(p.gtin or "" for p in numbers)
        said = PHOTOS_DISAGREE if len(opened) > 1 or live_code else PHOTO_TWO_PRODUCTS
        lead = Message(said.code, said.msgid, {"codes": codes})
        verdict = _without_number(Reason(lead, Tone.WARNING), claims)
        reason = "several_numbers"
    else:
        # One number; else what a QR code says, even without a product number in it.
        chosen = (
            numbers[0]
            if numbers
            else next((parse_code(c.text, c.symbology) for c in decoded), None)
        )
        if chosen is None:
            verdict = _without_number(Reason(NO_CODE_IN_PHOTO, Tone.WARNING), claims)
            reason = "no_number"
        else:
            verdict = _verdict(chosen, claims)
            reason = "one_number"
    observability.count_verdict(verdict.level.value, "photo")
    return Verification(
        verdict=verdict,
        decoded=decoded,
        decode_ms=decode_ms,
        label=label,
        extra_reasons=extra,
        choices=choices,
        unclear=unclear,
        chosen_reason=reason,
        photos=len(opened),
    )


def _numbers(
    readings: Sequence[BarcodeReading], live_code: str | None
) -> tuple[list[ParsedCode], tuple[Disagreement, ...]]:
    """The product numbers read (the live camera's first), and the barcodes left unclear.

    A barcode one photo read two ways is settled when another photo (or the live camera) read
    one of the two: the photos are independent reads of the same pack.
    """
    found: list[ParsedCode] = []
    if live_code and (live := parse_code(live_code)).valid:
        found.append(live)
    for reading in readings:
        found += [p for c in reading.codes if (p := parse_code(c.text, c.symbology)).valid]
    numbers = list({p.gtin14: p for p in found if p.gtin14}.values())
    known = {p.gtin14 for p in numbers}
    unclear = tuple(
        d
        for reading in readings
        for d in reading.disagreements
        if not any(parse_code(c.text, c.symbology).gtin14 in known for c in d.readings)
    )
    return numbers, unclear


def _without_number(lead: Reason, claims: LabelClaims) -> Verdict:
    """No number to judge: ``lead`` says why, then what the label says all the same."""
    verdict = verdict_for(
        parse_code(""),
        prefixes=default_table(),
        registry=snapshot(),
        today=local_today(),
        claims=claims,
    )
    # UNKNOWN, or worse when the label alone says so (a lookalike name, an expiry past).
    return Verdict(
        level=verdict.level,
        reasons=(lead, *(r for r in verdict.reasons if r.code != "empty")),
        facts=verdict.facts,
    )


#: Suspect verifications worth a signal: the verdict's suspect levels (UNKNOWN only counts for
#: photos, a label with no code). An alias kept for app/api/views.py; use SUSPECT_LEVELS.
SIGNAL_LEVELS = SUSPECT_LEVELS
#: How many signals one client may leave: enough for a shopper, not for a flood.
SIGNAL_CAP = parse_limit("30/hour")


def _signal_allowed() -> bool:
    """Whether this client may leave one more signal. A rate-limit storage that fails right now
    (Redis down between the request's own check and this one) leaves no signal, and the
    shopper still gets the verdict."""
    try:
        return bool(limiter.limiter.hit(SIGNAL_CAP, "signal", get_remote_address()))
    except Exception:
        current_app.logger.warning(
            "the signal cap could not be counted: no signal left", exc_info=True
        )
        return False


def record_signal_for(result: Verification, *, from_photo: bool) -> bool:
    """Record an anonymous signal for a suspect verification, capped per client.

    Returns whether a signal was recorded. A unit of work of its own: a signal is a side record,
    and failing to store it must not fail the verification the shopper asked for.
    """
    verdict = result.verdict
    if not (verdict.level in SUSPECT_LEVELS or (from_photo and verdict.level is Level.UNKNOWN)):
        return False
    if limiter.enabled and not _signal_allowed():
        return False
    parsed = verdict.facts.parsed
    match = verdict.facts.brand_match
    try:
        with unit_of_work():
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
    except (Refusal, SQLAlchemyError):
        current_app.logger.exception("could not record a signal")
        return False
    return True
