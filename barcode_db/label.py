"""The label reader: OCR of label photos, then what the text says, against the registry.

Tesseract (Debian's ``tesseract-ocr`` with the Vietnamese model ``tesseract-ocr-vie``) reads each
photo through tesserocr, one API object per thread, built once: loading the model costs far more
than reading a label. What the text says is found by :mod:`barcode_db.label_text` (maker, origin,
dates, Vietnamese text) and :class:`barcode_db.matching.BrandMatcher` (brands and lookalikes).

OCR confidence is not a shopper's word, and OCR misreads letters exactly the way imitators change
them ("Vinamilk" read as "Vinamiilk"). So a brand or a date that would raise a warning is believed
only when readings agree: the page read, and the same line read again on its own at other sizes
(``RECHECK_HEIGHTS``); a brand needs most readings, two at least. A finding the readings disagree
on is kept as *unsure*: the shopper sees it in an editable field, the verdict does not rest on it.

Before reading, each photo is cut to its print, turned level and its light made even
(:mod:`barcode_db.label_image`).

Work is bounded by size, not by the clock: every photo is scaled to at most ``MAX_SIDE`` pixels
on its long side and all photos of a check to ``MAX_TOTAL_PIXELS`` together; at most
``MAX_RECHECKED_LINES`` brand lines and ``MAX_DATE_LINES`` date lines are read again, and a photo
whose page read yields more than ``MAX_LINES`` lines is cut to the most confident ones.
Tesseract's own timeout (``PAGE_TIMEOUT_MS``) is a guard against a pathological image, not a
budget.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from barcode_db.label_image import even_light, straighten_and_crop
from barcode_db.label_text import (
    LabelDates,
    Line,
    Origin,
    PartyRole,
    ResponsibleParty,
    find_dates,
    find_origin,
    find_parties,
    has_vietnamese_text,
    mentions_date,
)
from barcode_db.matching import (
    BrandEntry,
    BrandMatch,
    MatchKind,
    SpellingDifference,
    spelling_difference,
)
from barcode_db.registry import CompanyFact, RegistrySnapshot
from barcode_db.textkey import match_key, search_key
from barcode_db.verdict import LabelClaims, Source

__all__ = [
    "BrandFinding",
    "LabelReading",
    "MakerFinding",
    "OcrUnavailable",
    "label_claims",
    "read_label",
]

#: Longest side a photo is read at: labels' small print stays legible, a 12 MP photo stays fast.
MAX_SIDE = 2000
#: Pixels read in all for one check: several photos are each read smaller than one alone.
MAX_TOTAL_PIXELS = 3_600_000
#: Shortest side below which a photo is enlarged first (Tesseract wants ~20 px letters).
MIN_SIDE = 900
#: Lines holding a brand read again on their own to confirm it.
MAX_RECHECKED_LINES = 8
#: Lines with a date keyword read again to confirm the expiry.
MAX_DATE_LINES = 4
#: Lines kept from one page read (noise can look like hundreds of lines).
MAX_LINES = 80
#: Heights (px) a line is read again at: two other views of the same letters.
RECHECK_HEIGHTS = (24, 32, 44)
#: Mean confidence of the readings that agree on a lookalike.
CLOSE_CONFIDENCE = 60.0
#: A guard, not a budget: a page read that takes longer than this is cut short.
PAGE_TIMEOUT_MS = 3000

TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)


class OcrUnavailable(RuntimeError):
    """Tesseract or its Vietnamese model is not installed."""


@dataclass(frozen=True)
class BrandFinding:
    """A run of label words that is a registered brand (EXACT) or a lookalike of one (CLOSE)."""

    text: str  # exactly as read
    kind: MatchKind  # EXACT (same letters with diacritics) or CLOSE (a lookalike)
    entry: BrandEntry | None
    confidence: float  # OCR confidence of the words, 0-100
    #: Two readings agreed on it; an unsure finding is shown to the shopper, not judged on.
    certain: bool = True
    #: Height (px, on the page read) of the line it is on: the brand a shopper sees is the big one.
    height: int = 0


@dataclass(frozen=True)
class MakerFinding:
    role: PartyRole
    text: str
    company: CompanyFact | None  # the registry company the name matches, if any


@dataclass(frozen=True)
class LabelReading:
    lines: tuple[Line, ...]
    brands: tuple[BrandFinding, ...] = ()
    maker: MakerFinding | None = None
    importer: MakerFinding | None = None
    origin: Origin | None = None
    dates: LabelDates = field(default_factory=LabelDates)
    #: Dates two readings agreed on; ``dates`` may hold a single, unconfirmed reading.
    dates_certain: bool = False
    vietnamese_text: bool = False
    ocr_ms: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def has_text(self) -> bool:
        """Whether the photos showed words (digits alone, as under a barcode, are no words)."""
        return any(sum(ch.isalpha() for ch in line.text) >= 3 for line in self.lines)


@dataclass(frozen=True)
class _PageLine:
    line: Line
    box: tuple[int, int, int, int]  # left, top, right, bottom in the prepared image
    image: Image.Image  # the prepared page it was read on


# --- Tesseract ------------------------------------------------------------------------------------


def tessdata_dir() -> str:
    """Where the Vietnamese model lives: ``TESSDATA_PREFIX`` or Debian's folders."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for folder in candidates:
        if folder and (Path(folder) / "vie.traineddata").is_file():
            return folder
    raise OcrUnavailable(
        "Tesseract's Vietnamese model (vie.traineddata) was not found; install tesseract-ocr-vie"
    )


class _Engines(threading.local):
    page: object | None = None
    line: object | None = None


_engines = _Engines()


def _apis() -> tuple[object, object]:
    """This thread's two Tesseract APIs: one segments pages, one reads single lines."""
    if _engines.page is None or _engines.line is None:
        try:
            from tesserocr import OEM, PSM, PyTessBaseAPI
        except ImportError as missing:  # pragma: no cover - a broken install
            raise OcrUnavailable("tesserocr is not installed") from missing
        path = tessdata_dir()
        _engines.page = PyTessBaseAPI(path=path, lang="vie", psm=PSM.AUTO, oem=OEM.LSTM_ONLY)
        _engines.line = PyTessBaseAPI(path=path, lang="vie", psm=PSM.SINGLE_LINE, oem=OEM.LSTM_ONLY)
    return _engines.page, _engines.line


def _prepare(image: Image.Image, max_pixels: float) -> Image.Image:
    """Grey, level, cut to the print, at a size where it is ~20-60 px tall and not slow to read."""
    grey = straighten_and_crop(ImageOps.grayscale(image))
    long_side, short_side = max(grey.size), min(grey.size)
    largest = min(MAX_SIDE / long_side, (max_pixels / (grey.width * grey.height)) ** 0.5)
    factor = 1.0
    if largest < 1.0:
        factor = largest
    elif short_side < MIN_SIDE:
        factor = min(2.0, MIN_SIDE / short_side, largest)
    if factor != 1.0:
        size = (max(1, round(grey.width * factor)), max(1, round(grey.height * factor)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return even_light(grey)


def _page_lines(page: Image.Image) -> list[_PageLine]:
    """Tesseract's lines of one prepared page, with their boxes and mean word confidence."""
    from tesserocr import RIL, iterate_level

    api, _line_api = _apis()
    api.SetImage(page)  # type: ignore[attr-defined]
    if not api.Recognize(timeout=PAGE_TIMEOUT_MS):  # type: ignore[attr-defined]
        return []
    found: list[_PageLine] = []
    iterator = api.GetIterator()  # type: ignore[attr-defined]
    if iterator is None:
        return []
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    for item in iterate_level(iterator, RIL.WORD):
        if item.IsAtBeginningOf(RIL.TEXTLINE) and words:
            found.extend(_line_of(words, page))
            words = []
        text = _text_of(functools.partial(item.GetUTF8Text, RIL.WORD))
        box = item.BoundingBox(RIL.WORD)
        if text and box is not None:
            words.append((text, item.Confidence(RIL.WORD), box))
    found.extend(_line_of(words, page))
    if len(found) > MAX_LINES:
        kept = sorted(found, key=lambda p: -p.line.confidence)[:MAX_LINES]
        found = [p for p in found if p in kept]
    return found


_BARS = re.compile(r"^[|Il1!\[\]]{2,}$|^\|$")


def _line_of(
    words: Sequence[tuple[str, float, tuple[int, int, int, int]]], page: Image.Image
) -> list[_PageLine]:
    """One line from its words, without what the bars of a barcode beside it read as ("|||")."""
    kept = [w for w in words if not _BARS.match(w[0])]
    if not kept:
        return []
    boxes = [w[2] for w in kept]
    box = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    text = " ".join(w[0] for w in kept)
    confidence = sum(w[1] for w in kept) / len(kept)
    return [_PageLine(Line(text, confidence), box, page)]


def _text_of(read: Callable[[], str | None]) -> str:
    """Tesseract's text, or "" where it found none (tesserocr raises then)."""
    try:
        return (read() or "").strip()
    except RuntimeError:
        return ""


class _Rereads(dict[int, list[Line]]):
    """The lines of one read, each read again at most once (a line may hold a brand and a date)."""

    def __init__(self, page_lines: Sequence[_PageLine]) -> None:
        super().__init__()
        self.page_lines = page_lines

    def __missing__(self, index: int) -> list[Line]:
        self[index] = again = _reread(self.page_lines[index])
        return again


def _reread(page_line: _PageLine) -> list[Line]:
    """The line read again on its own, at each of ``RECHECK_HEIGHTS``."""
    _api, api = _apis()
    left, top, right, bottom = page_line.box
    # A letter the page read left out of the line's words (a "T" against a graphic) is still
    # in the picture: a line's height of margin on either side lets the re-reads see it.
    pad, side = max(4, (bottom - top) // 4), max(8, bottom - top)
    crop = page_line.image.crop(
        (
            max(0, left - side),
            max(0, top - pad),
            min(page_line.image.width, right + side),
            min(page_line.image.height, bottom + pad),
        )
    )
    reads = []
    for height in RECHECK_HEIGHTS:
        scale = height / max(1, bottom - top)
        size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
        view = ImageOps.expand(crop.resize(size, Image.Resampling.LANCZOS), border=12, fill=255)
        api.SetImage(view)  # type: ignore[attr-defined]
        text = _text_of(api.GetUTF8Text)  # type: ignore[attr-defined]
        reads.append(Line(" ".join(text.split()), float(api.MeanTextConf())))  # type: ignore[attr-defined]
    return reads


# --- what the text says ---------------------------------------------------------------------------


def _brand_findings(
    page_lines: Sequence[_PageLine], registry: RegistrySnapshot, again: _Rereads
) -> list[BrandFinding]:
    """Brands on the label, each confirmed by most readings or marked unsure."""
    findings: list[BrandFinding] = []
    rechecked = 0
    for index, page_line in enumerate(page_lines):
        first = registry.matcher.find_all(page_line.line.text, printed=True)
        if not first:
            continue
        if rechecked >= MAX_RECHECKED_LINES:
            break
        rechecked += 1
        readings = [page_line.line, *again[index]]
        per_reading = [registry.matcher.find_all(r.text, printed=True) for r in readings]
        entries = {f.entry for found in per_reading for f in found if f.entry is not None}
        height = page_line.box[3] - page_line.box[1]
        for entry in entries:
            findings.append(
                dataclasses.replace(_decide(entry, readings, per_reading), height=height)
            )
    return findings


def _decide(
    entry: BrandEntry, readings: Sequence[Line], per_reading: Sequence[Sequence[BrandMatch]]
) -> BrandFinding:
    """One brand's finding from several readings of its line (the page read and the re-reads).

    EXACT when most readings, two at least, spell it as registered; CLOSE when most readings,
    two at least, find it misspelt with a fair confidence; unsure when the readings are split.
    """
    exact: list[tuple[str, float]] = []
    close: list[tuple[str, float]] = []
    for reading, found in zip(readings, per_reading, strict=True):
        for finding in found:
            if finding.entry != entry:
                continue
            bucket = exact if finding.kind is MatchKind.EXACT else close
            bucket.append((finding.seen, reading.confidence))
    if len(exact) >= 2 and len(exact) > len(close):
        best = max(exact, key=lambda pair: pair[1])
        return BrandFinding(best[0], MatchKind.EXACT, entry, best[1], certain=True)
    # A lookalike: most readings find the brand misspelt, reasonably sure of their letters.
    if (
        len(close) >= 2
        and len(close) > len(exact)
        and sum(c for _s, c in close) / len(close) >= CLOSE_CONFIDENCE
    ):
        spelling, _count = Counter(seen for seen, _c in close).most_common(1)[0]
        confidence = max(conf for seen, conf in close if seen == spelling)
        return BrandFinding(
            spelling,
            MatchKind.CLOSE,
            entry,
            confidence,
            certain=not _edge_artifact(spelling, entry.name)
            and not _likely_misreading(spelling, entry.name),
        )
    # The readings disagree: say what was most likely read, and that it is unsure.
    seen, confidence = max(exact + close, key=lambda pair: pair[1])
    kind = MatchKind.EXACT if (seen, confidence) in exact else MatchKind.CLOSE
    return BrandFinding(seen, kind, entry, confidence, certain=False)


def _edge_artifact(seen: str, brand: str) -> bool:
    """Whether ``seen`` is the brand with a letter lost or gained at an end: what a line cut
    short or run into a graphic reads as ("H true MILK", "ÑBIBICA"), not an imitator's change.
    A doubled end letter ("Vinamilkk") is an imitator's change."""
    got, want = match_key(seen).replace(" ", ""), match_key(brand).replace(" ", "")
    if len(got) == len(want) + 1:
        if got[1:] == want:
            return got[0] != got[1]
        if got[:-1] == want:
            return got[-1] != got[-2]
    if len(got) + 1 == len(want):
        return want[1:] == got or want[:-1] == got
    return False


#: Capitals OCR takes for one another ("BITI'S" read "BITTS"); not an imitator's change when read.
_CAPITAL_CONFUSIONS = frozenset(
    frozenset(pair)
    for pair in (
        "it", "il", "ij", "i1", "lt", "od", "oq", "o0", "dq", "cg", "ef", "pr", "b8", "s5",
        "mn", "uv", "hn", "z2",
    )
)  # fmt: skip


def _likely_misreading(seen: str, brand: str) -> bool:
    """Whether ``seen`` differs from the brand only as OCR misreads print, too likely a
    misreading to call an imitation: the marks over capitals ("HẢO HÁO"), one capital of a shape
    OCR confuses ("BITTS"), or a mark on an i, whose dot OCR reads as an accent ("Víssan")."""
    difference = spelling_difference(seen, brand, printed=True)
    got, want = match_key(seen).replace(" ", ""), match_key(brand).replace(" ", "")
    if difference is SpellingDifference.DIACRITICS:
        if seen.isupper():
            return True
        marked = [a for a, b in zip(_letters(seen), _letters(brand), strict=False) if a != b]
        return bool(marked) and all(search_key(a) == "i" for a in marked)
    changed = [frozenset((a, b)) for a, b in zip(got, want, strict=False) if a != b]
    return (
        seen.isupper()
        and len(got) == len(want)
        and len(changed) == 1
        and changed[0] in _CAPITAL_CONFUSIONS
    )


def _letters(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFC", text).casefold() if ch.isalnum())


def _confirmed_dates(page_lines: Sequence[_PageLine], again: _Rereads) -> tuple[LabelDates, bool]:
    """The label's dates, as most readings of its date lines give them, and whether the expiry
    (the date a verdict may say "expired" on) was read the same at least twice.

    Dates are often printed in a dot-matrix or monospaced face that OCR misreads at one size and
    not at another ("08.05.26" read "0908.05.26"): every line with a date keyword is read again,
    and the expiry most views agree on is taken.
    """
    lines = [p.line for p in page_lines]
    date_lines = [i for i, p in enumerate(page_lines) if mentions_date(p.line)]
    date_lines = date_lines[:MAX_DATE_LINES]
    if not date_lines:
        return find_dates(lines), False
    rereads = {i: again[i] for i in date_lines}
    views = [find_dates(lines)]
    for view in range(len(RECHECK_HEIGHTS)):
        views.append(
            find_dates([rereads[i][view] if i in rereads else line for i, line in enumerate(lines)])
        )
    votes = Counter(v.expires for v in views if v.expires is not None)
    if not votes:
        return views[0], False
    expires, count = votes.most_common(1)[0]
    chosen = next(v for v in views if v.expires == expires)
    return chosen, count >= 2


def _party(
    parties: Iterable[ResponsibleParty],
    roles: set[PartyRole],
    lines: Sequence[Line],
    registry: RegistrySnapshot,
) -> MakerFinding | None:
    for party in parties:
        if party.role in roles:
            text = _continued(party, lines)
            return MakerFinding(party.role, text, registry.company_named(text))
    return None


#: What starts a line that is not the rest of a company's name: an address, a contact, a number.
_NOT_A_NAME_GOING_ON = re.compile(
    r"^(?:\d|dia chi|dc\b|d/c|kcn|khu|lo\b|so\b|phuong|xa\b|quan|huyen|tinh|tp\b|thanh pho"
    r"|tel|dt\b|fax|hotline|website|www|email|mst|address)"
)


def _continued(party: ResponsibleParty, lines: Sequence[Line]) -> str:
    """The organisation's name, with the next line when the name runs on to it (a long name
    wraps: "… Hàng tiêu dùng Bình Tiên" / "Xanh"): a short line that is no field of its own and
    no address. Reading only the first line would match a near copy to the genuine company."""
    index = next((i for i, line in enumerate(lines) if line.text == party.line), None)
    if index is None or index + 1 >= len(lines) or not party.line.rstrip().endswith(party.text):
        return party.text
    following = lines[index + 1]
    key = search_key(following.text)
    if (
        len(key.split()) > 4
        or _NOT_A_NAME_GOING_ON.match(key)
        or mentions_date(following)
        or find_origin([following]) is not None
        or find_parties([following])
    ):
        return party.text
    return f"{party.text} {following.text.strip()}"


MAKER_ROLES = {PartyRole.MANUFACTURER, PartyRole.RESPONSIBLE, PartyRole.COMPANY}
IMPORTER_ROLES = {PartyRole.IMPORTER, PartyRole.DISTRIBUTOR}


def read_label(images: Sequence[Image.Image], *, registry: RegistrySnapshot) -> LabelReading:
    """Read what the label photos say: brands, maker, importer, origin, dates, Vietnamese text.

    Several photos (front, back, barcode side) of one product are read as one label.
    Raises :class:`OcrUnavailable` when Tesseract or its Vietnamese model is missing.
    """
    started = time.perf_counter()
    page_lines: list[_PageLine] = []
    for image in images:
        page_lines.extend(_page_lines(_prepare(image, MAX_TOTAL_PIXELS / len(images))))
    lines = [p.line for p in page_lines]
    again = _Rereads(page_lines)
    brands = _brand_findings(page_lines, registry, again)
    dates, dates_certain = _confirmed_dates(page_lines, again)
    parties = find_parties(lines)
    return LabelReading(
        lines=tuple(lines),
        brands=tuple(_best_first(brands)),
        maker=_party(parties, MAKER_ROLES, lines, registry),
        importer=_party(parties, IMPORTER_ROLES, lines, registry),
        origin=find_origin(lines),
        dates=dates,
        dates_certain=dates_certain,
        vietnamese_text=has_vietnamese_text(lines),
        ocr_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _best_first(brands: list[BrandFinding]) -> list[BrandFinding]:
    """Certain findings first, then lookalikes (what needs saying), then by confidence.

    A brand found both spelt right and misspelt is what its biggest line says: the big name on
    the pack is the brand a shopper sees; a misreading of small print (a product name, an
    address) is dropped, and so is the genuine name in an imitation's small print.
    """
    biggest: dict[BrandEntry | None, BrandFinding] = {}
    for finding in brands:
        if finding.certain and finding.height > getattr(biggest.get(finding.entry), "height", -1):
            biggest[finding.entry] = finding
    brands = [
        f
        for f in brands
        if not f.certain or f.entry not in biggest or f.kind is biggest[f.entry].kind
    ]
    seen: set[tuple[BrandEntry | None, MatchKind]] = set()
    unique = []
    for finding in sorted(
        brands,
        key=lambda f: (not f.certain, f.kind is not MatchKind.CLOSE, -f.confidence),
    ):
        if (finding.entry, finding.kind) not in seen:
            seen.add((finding.entry, finding.kind))
            unique.append(finding)
    return unique


def label_claims(reading: LabelReading) -> LabelClaims:
    """What the reading lets the verdict rest on: certain findings only, each marked as read."""
    certain = [f for f in reading.brands if f.certain]
    unsure = [f for f in reading.brands if not f.certain]
    return LabelClaims(
        brand=certain[0].text if certain else None,
        unsure_brand=unsure[0].text if unsure and not certain else None,
        brand_source=Source.LABEL,
        other_brands=tuple(f.text for f in certain[1:]),
        maker=reading.maker.text if reading.maker else None,
        maker_source=Source.LABEL,
        importer=reading.importer.text if reading.importer else None,
        origin=reading.origin.text if reading.origin else None,
        origin_country=reading.origin.country_code if reading.origin else None,
        origin_source=Source.LABEL,
        expires=reading.dates.expires if reading.dates_certain else None,
        expires_text=reading.dates.expires_text,
        expires_source=Source.LABEL,
        vietnamese_text=reading.vietnamese_text,
        label_read=True,
        label_has_text=reading.has_text,
    )
