"""A verdict frozen into JSON when a complaint is filed, re-renderable in any language later."""

from __future__ import annotations

from typing import Any

from barcode_db.messages import Localized, Message
from barcode_db.verdict import ADVICE, SHOPPER_ONLY_REASONS, Verdict


def _param(value: Any) -> Any:
    if isinstance(value, Localized):
        return {"localized": dict(value.values)}
    return value if isinstance(value, int | float | str) or value is None else str(value)


def verdict_snapshot(verdict: Verdict) -> dict[str, Any]:
    """The facts and reasons of a verdict as plain JSON."""
    facts = verdict.facts
    return {
        "level": verdict.level.value,
        "title": verdict.title,
        "input": facts.parsed.input,
        "gtin": facts.parsed.gtin,
        "valid": facts.parsed.valid,
        "reasons": [
            {
                "code": r.code,
                "tone": r.tone.value,
                "msgid": r.message.msgid,
                "params": {k: _param(v) for k, v in r.message.params.items()},
                **({"advice": r.advice.msgid} if r.advice else {}),
            }
            for r in verdict.reasons
        ],
        "gs1": None
        if facts.prefix is None
        else {
            "prefix": facts.prefix.prefix,
            "organisation": facts.prefix.organisation,
            "country_code": facts.prefix.country_code,
        },
        "company": None
        if facts.company is None
        else {"code": facts.company.code, "name": facts.company.name},
        "brand_match": None
        if facts.brand_match is None or facts.brand_match.entry is None
        else {"kind": facts.brand_match.kind.value, "name": facts.brand_match.entry.name},
    }


def _finding(msgid: str) -> str:
    """The finding of a msgid stored before findings and advice were said apart (the advice
    was its last sentence): the msgid the catalogue translates now."""
    for advice in ADVICE:
        if msgid.endswith(" " + advice.msgid):
            return msgid[: -len(advice.msgid) - 1]
    return msgid


def snapshot_messages(snapshot: dict[str, Any]) -> list[tuple[str, Message]]:
    """(tone, message) pairs of a stored snapshot, ready to render for staff and inspectors:
    the findings, without the advice the shopper was given."""
    out = []
    for reason in snapshot.get("reasons", []):
        if reason["code"] in SHOPPER_ONLY_REASONS:
            continue
        params = {
            k: Localized(v["localized"]) if isinstance(v, dict) and "localized" in v else v
            for k, v in reason.get("params", {}).items()
        }
        message = Message(reason["code"], _finding(reason["msgid"]), params)
        out.append((reason["tone"], message))
    return out
