"""The OpenAPI 3.1 document of the JSON API."""

from __future__ import annotations

from typing import Any

from barcode_db.verdict import Level

_REASON = {
    "type": "object",
    "required": ["code", "tone", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable reason code, e.g. check_digit."},
        "tone": {"type": "string", "enum": ["good", "info", "warning", "bad"]},
        "message": {"type": "string", "description": "In the language asked for with ?lang."},
    },
}
_NULLABLE_OBJECT: dict[str, Any] = {"type": ["object", "null"]}

VERIFICATION = {
    "type": "object",
    "required": [
        "input",
        "gtin",
        "valid",
        "level",
        "reasons",
        "gs1",
        "company",
        "brand",
        "certifications",
        "decoded",
    ],
    "properties": {
        "input": {"type": "string"},
        "gtin": {
            "type": ["string", "null"],
            "description": "8, 12, 13 or 14 digits; UPC-E expanded to UPC-A.",
        },
        "format": {
            "type": ["string", "null"],
            "enum": ["GTIN-8", "GTIN-12", "GTIN-13", "GTIN-14", None],
        },
        "valid": {"type": "boolean"},
        "level": {"type": "string", "enum": [level.value for level in Level]},
        "title": {"type": "string"},
        "suspect": {"type": "boolean"},
        "reasons": {"type": "array", "items": _REASON},
        "text": {
            "type": ["string", "null"],
            "description": "QR content that is not a product number; never followed.",
        },
        "gs1": {
            "type": ["object", "null"],
            "properties": {
                "prefix": {"type": "string"},
                "organisation": {"type": "string"},
                "country_code": {
                    "type": ["string", "null"],
                    "description": "ISO 3166-1 "
                    "alpha-2 of the GS1 member organisation; null for non-country "
                    "ranges. Not the country of manufacture.",
                },
                "country_name": {"type": ["string", "null"]},
                "kind": {"type": "string"},
            },
        },
        "company": _NULLABLE_OBJECT,
        "product": _NULLABLE_OBJECT,
        "brand": _NULLABLE_OBJECT,
        "certifications": {"type": "array", "items": {"type": "object"}},
        "decoded": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "symbology": {"type": "string"},
                    "text": {"type": "string"},
                    "engine": {"type": "string"},
                    "pass": {"type": "string"},
                },
            },
        },
    },
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        }
    },
}

_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["vi", "en"], "default": "vi"},
    "description": "Language of messages.",
}
_CLAIMS = [
    {
        "name": "brand",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 120},
        "description": "Brand name as read on the label.",
    },
    {
        "name": "made_in_vietnam",
        "in": "query",
        "required": False,
        "schema": {"type": "boolean"},
        "description": "The label claims Made in Vietnam.",
    },
]


def _responses(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "200": {
            "description": "A verdict (also for malformed numbers: valid is false).",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Verification"}}
            },
        },
        **{
            code: {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            for code, text in extra.items()
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hàng Việt verification API",
            "version": "1.0.0",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "description": "Checks a product barcode: check digit, GS1 prefix, the trusted-brand "
            "registry and the label's claims. A GS1 prefix says where a number was "
            "licensed, not where goods were made; a barcode check cannot prove a "
            "product genuine or fake.",
        },
        "paths": {
            "/api/v1/verify": {
                "get": {
                    "summary": "Verify a typed or scanned code",
                    "operationId": "verifyCode",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 512},
                            "description": "Digits, a GS1 element string or a GS1 Digital Link.",
                        },
                        _LANG,
                        *_CLAIMS,
                    ],
                    "responses": _responses({"400": "No code given.", "429": "Too many requests."}),
                },
                "post": {
                    "summary": "Verify a label photo",
                    "operationId": "verifyPhoto",
                    "parameters": [_LANG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "photo": {
                                            "type": "string",
                                            "format": "binary",
                                            "description": "JPEG, PNG, WebP, GIF, BMP or TIFF, "
                                            "up to 10 MB.",
                                        },
                                        "code": {
                                            "type": "string",
                                            "description": "Instead of a photo.",
                                        },
                                        "brand": {"type": "string"},
                                        "made_in_vietnam": {"type": "boolean"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": _responses(
                        {
                            "400": "Neither a photo nor a code.",
                            "413": "The photo is over 10 MB.",
                            "422": "Not an image, a broken image or one with too many pixels.",
                            "429": "Too many requests.",
                        }
                    ),
                },
            },
        },
        "components": {"schemas": {"Verification": VERIFICATION, "Error": ERROR}},
    }
