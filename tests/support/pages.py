"""What every HTML page must have (after GOV.UK Notify's page checks)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.title = ""
        self._in_title = False
        self.ids: list[str] = []
        self.forms: list[dict[str, object]] = []
        self._form: dict[str, object] | None = None
        self.scripts: list[dict[str, str | None]] = []
        self.viewport = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if attr.get("id"):
            self.ids.append(str(attr["id"]))
        if tag == "html":
            self.html_lang = attr.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and attr.get("name") == "viewport":
            self.viewport = "width=device-width" in (attr.get("content") or "")
        elif tag == "form":
            self._form = {"method": (attr.get("method") or "get").lower(), "csrf": False}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attr.get("name") == "csrf_token":
            self._form["csrf"] = bool(attr.get("value"))
        elif tag == "script":
            self.scripts.append(attr)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def check_page(response, *, public: bool = True) -> _PageParser:
    """Assert the rules every page follows and return the parsed page for more checks."""
    assert response.mimetype == "text/html"
    page = _PageParser()
    page.feed(response.get_data(as_text=True))
    assert page.html_lang in ("vi", "en"), "the <html> element has a lang"
    assert page.title.strip(), "the page has a title"
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in page.forms:
        if form["method"] == "post":
            assert form["csrf"], "every POST form carries a CSRF token"
    if public:
        assert page.viewport, "public pages have the viewport meta"
    csp = response.headers.get("Content-Security-Policy", "")
    nonce = re.search(r"'nonce-([^']+)'", csp)
    for script in page.scripts:
        assert nonce and script.get("nonce") == nonce.group(1), "scripts carry the CSP nonce"
    return page


def text_of(response) -> str:
    """The visible text of a page, tags removed and spaces folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
