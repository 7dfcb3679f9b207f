"""The OpenAPI 3.1 document of the JSON API."""

from __future__ import annotations

from typing import Any

from barcode_db.verdict import Level, ReportHint, Source
from complaints.workflow import Category, Status

_REASON = {
    "type": "object",
    "required": ["code", "tone", "source", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable reason code, e.g. check_digit."},
        "tone": {"type": "string", "enum": ["good", "info", "warning", "bad"]},
        "source": {
            "type": "string",
            "enum": [source.value for source in Source],
            "description": "What the reason rests on: the number, the registry, what the shopper "
            "typed, what was read on the label photo (OCR, not the shopper's word), or the "
            "association's records.",
        },
        "report_category": {
            "type": ["string", "null"],
            "enum": [hint.value for hint in ReportHint] + [None],
            "description": "The complaint category a report about this reason would have.",
        },
        "message": {"type": "string", "description": "In the language asked for with ?lang."},
    },
}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
LABEL = {
    "type": ["object", "null"],
    "description": "What was read on the label photos (photo verifications only).",
    "required": ["text", "brands", "maker", "origin", "dates", "vietnamese_text", "ocr_ms"],
    "properties": {
        "text": {"type": "string", "description": "All the text read, line by line."},
        "brands": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "match", "certain", "registry_brand", "company_code"],
                "properties": {
                    "text": {"type": "string", "description": "Exactly as read."},
                    "match": {"type": "string", "enum": ["exact", "close", "none"]},
                    "certain": {
                        "type": "boolean",
                        "description": "Two readings agreed; an unsure finding is not judged on.",
                    },
                    "registry_brand": {"type": ["string", "null"]},
                    "company_code": {"type": ["string", "null"]},
                },
            },
        },
        "maker": {
            "type": ["object", "null"],
            "properties": {
                "text": {"type": "string"},
                "role": {"type": "string"},
                "company_code": {"type": ["string", "null"]},
            },
        },
        "importer": {"type": ["object", "null"], "properties": {"text": {"type": "string"}}},
        "origin": {
            "type": ["object", "null"],
            "properties": {
                "text": {"type": "string"},
                "country_code": {"type": ["string", "null"], "description": "ISO 3166-1 alpha-2"},
            },
        },
        "dates": {
            "type": "object",
            "required": ["manufactured", "expires"],
            "properties": {
                "manufactured": _DATE_OR_NULL,
                "expires": _DATE_OR_NULL,
                "certain": {"type": "boolean"},
            },
        },
        "vietnamese_text": {"type": "boolean"},
        "ocr_ms": {"type": "number", "description": "Time spent reading the label text, ms."},
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
        "decode_ms": {
            "type": ["number", "null"],
            "description": "time spent reading the photo, in milliseconds",
        },
        "chosen": {
            "type": ["string", "null"],
            "description": "The number decoded from the photos that the verdict is for; null "
            "when there is none (see chosen_reason).",
        },
        "chosen_reason": {
            "type": ["string", "null"],
            "enum": ["one_number", "several_numbers", "unclear", "no_number", None],
            "description": "Why (photo verifications; null for a typed code): one_number - one "
            "product number on the photos, the verdict is for it; several_numbers - different "
            "products, no verdict, see choices; unclear - one barcode read two different ways "
            "that agreement between reads could not settle, no verdict, see unclear and choices "
            "(compare with the digits printed under the bars); no_number - nothing read.",
        },
        "choices": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Different product numbers read on the photos (or the readings of an "
            "unclear barcode): no verdict is given about any of them; the shopper chooses.",
        },
        "unclear": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "string"}},
            "description": "Barcodes read two (or more) different ways: the numbers read on "
            "each, most agreed first. Never a verdict about any of them.",
        },
        "label": LABEL,
        "decoded": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "symbology": {"type": "string"},
                    "text": {"type": "string"},
                    "engine": {"type": "string"},
                    "pass": {"type": "string", "description": "the reader's pass that found it"},
                    "confirmed_by": {
                        "type": ["string", "null"],
                        "description": "the second pass that confirmed a read "
                        "made under heavy image processing",
                    },
                    "votes": {
                        "type": "integer",
                        "description": "how many (engine, pass) attempts read these digits",
                    },
                    "box": {
                        "type": ["array", "null"],
                        "items": {"type": "integer"},
                        "description": "where on the photo: left, top, right, bottom (pixels)",
                    },
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
    {
        "name": "maker",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 200},
        "description": "The maker or responsible company named on the label.",
    },
    {
        "name": "origin",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 80},
        "description": "The origin on the label (“Xuất xứ”, “Made in”).",
    },
    {
        "name": "expires",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
        "description": "The expiry date on the label, YYYY-MM-DD.",
    },
]


COMPLAINT_REQUEST = {
    "type": "object",
    "required": ["category", "province_code", "description"],
    "properties": {
        "category": {"type": "string", "enum": [c.value for c in Category]},
        "province_code": {
            "type": "string",
            "pattern": "^[0-9]{2}$",
            "description": "NSO code of one of the 34 provinces (2025).",
        },
        "commune_code": {"type": "string", "pattern": "^[0-9]{5}$"},
        "description": {"type": "string", "minLength": 10, "maxLength": 4000},
        "code": {"type": "string", "maxLength": 64, "description": "Barcode as seen."},
        "product_name": {"type": "string", "maxLength": 200},
        "brand": {"type": "string", "maxLength": 120},
        "store_name": {"type": "string", "maxLength": 200},
        "store_address": {"type": "string", "maxLength": 300},
        "date_seen": {"type": "string", "format": "date"},
        "price_vnd": {"type": "integer", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 1},
        "photos": {
            "type": "array",
            "maxItems": 5,
            "items": {"type": "string", "format": "binary"},
            "description": "JPEG, PNG, WebP or HEIC, 10 MB each.",
        },
        "anonymous": {"type": "boolean", "default": True},
        "contact_name": {"type": "string"},
        "contact_phone": {"type": "string"},
        "contact_email": {"type": "string"},
        "consent": {"type": "boolean", "description": "Required with contact details."},
    },
}
FILED = {
    "type": "object",
    "required": ["tracking_code", "tracking_url", "qr_url", "status", "created"],
    "properties": {
        "tracking_code": {"type": "string"},
        "tracking_url": {"type": "string"},
        "qr_url": {"type": "string"},
        "status": {"type": "string"},
        "created": {"type": "boolean"},
    },
}
PUBLIC_COMPLAINT = {
    "type": "object",
    "required": [
        "tracking_code",
        "status",
        "status_text",
        "category",
        "filed_at",
        "public_notes",
        "can_rate",
    ],
    "properties": {
        "tracking_code": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "status_text": {"type": "string"},
        "category": {"type": "string", "enum": [c.value for c in Category]},
        "product_name": {"type": "string"},
        "brand": {"type": "string"},
        "code": {"type": "string"},
        "province_code": {"type": "string"},
        "commune_code": {"type": ["string", "null"]},
        "photo_count": {"type": "integer"},
        "filed_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "public_notes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "note": {"type": "string"},
                },
            },
        },
        "followed_status": {"type": ["string", "null"]},
        "can_rate": {"type": "boolean"},
    },
    "additionalProperties": False,
}


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
                                            "type": "array",
                                            "maxItems": 3,
                                            "items": {"type": "string", "format": "binary"},
                                            "description": "One to three photos of one product "
                                            "(barcode side, front, back): JPEG, PNG, WebP, GIF, "
                                            "BMP or TIFF, up to 10 MB each.",
                                        },
                                        "code": {
                                            "type": "string",
                                            "description": "Instead of a photo.",
                                        },
                                        "brand": {"type": "string"},
                                        "made_in_vietnam": {"type": "boolean"},
                                        "maker": {"type": "string"},
                                        "origin": {"type": "string"},
                                        "expires": {"type": "string", "format": "date"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": _responses(
                        {
                            "400": "Neither a photo nor a code, more than three photos, or a "
                            "malformed expiry date.",
                            "413": "The photo is over 10 MB.",
                            "422": "Not an image, a broken image or one with too many pixels.",
                            "429": "Too many requests.",
                        }
                    ),
                },
            },
            "/api/v1/complaints": {
                "post": {
                    "summary": "File a complaint (report a suspect product)",
                    "operationId": "createComplaint",
                    "parameters": [
                        _LANG,
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-]{16,80}$"},
                            "description": "A fresh random key per report (a UUID). Retrying with "
                            "the same key and content returns the first filing; the "
                            "same key with other content is refused (409).",
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"multipart/form-data": {"schema": COMPLAINT_REQUEST}},
                    },
                    "responses": {
                        "201": {
                            "description": "Filed.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Filed"}
                                }
                            },
                        },
                        "200": {
                            "description": "Already filed with this key: the same answer.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Filed"}
                                }
                            },
                        },
                        **{
                            code: {
                                "description": text,
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Error"}
                                    }
                                },
                            }
                            for code, text in {
                                "400": "No or malformed Idempotency-Key, or a bad photo.",
                                "409": "The key was used for a different report.",
                                "413": "A photo is over 10 MB.",
                                "422": "Invalid fields (the message lists them).",
                                "429": "Too many reports from this client.",
                            }.items()
                        },
                    },
                },
            },
            "/api/v1/complaints/{tracking_code}": {
                "get": {
                    "summary": "The public view of a complaint (no personal data)",
                    "operationId": "getComplaint",
                    "parameters": [
                        {
                            "name": "tracking_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 20},
                        },
                        _LANG,
                    ],
                    "responses": {
                        "200": {
                            "description": "Status, dates and public notes.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/PublicComplaint"}
                                }
                            },
                        },
                        "404": {
                            "description": "No such tracking code.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                },
            },
            "/api/v1/cases": {
                "get": {
                    "summary": "Cases for inspection systems (read-only token)",
                    "operationId": "listCases",
                    "security": [{"bearerAuth": []}],
                    "description": "Referred and confirmed cases by default (status= and "
                    "flagged=1 widen it), within the token owner's area, oldest first, by "
                    "keyset pages. Never complainants' personal data.",
                    "parameters": [
                        {"name": name, "in": "query", "required": False, "schema": schema}
                        for name, schema in (
                            ("status", {"type": "string", "enum": [s.value for s in Status]}),
                            ("flagged", {"type": "string", "enum": ["1"]}),
                            ("category", {"type": "string", "enum": [c.value for c in Category]}),
                            ("province", {"type": "string"}),
                            ("commune", {"type": "string"}),
                            ("from", {"type": "string", "format": "date"}),
                            ("to", {"type": "string", "format": "date"}),
                            ("brand", {"type": "string"}),
                            ("store", {"type": "string"}),
                            ("gtin", {"type": "string"}),
                            (
                                "after",
                                {"type": "string", "description": "the previous page's next"},
                            ),
                            ("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of cases and the cursor of the next.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["cases", "next"],
                                        "properties": {
                                            "cases": {"type": "array", "items": {"type": "object"}},
                                            "next": {"type": ["string", "null"]},
                                        },
                                    }
                                }
                            },
                        },
                        "401": {
                            "description": "No valid token.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                },
            },
            "/api/v1/areas/{province_code}/communes": {
                "get": {
                    "summary": "Communes of a province (2025 administrative units)",
                    "operationId": "listCommunes",
                    "parameters": [
                        {
                            "name": "province_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]{2}$"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Codes and names.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "province": {"type": "string"},
                                            "communes": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "code": {"type": "string"},
                                                        "name": {"type": "string"},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "404": {
                            "description": "Unknown province.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token made by an administrator (hv_...).",
                }
            },
            "schemas": {
                "Verification": VERIFICATION,
                "Error": ERROR,
                "Filed": FILED,
                "PublicComplaint": PUBLIC_COMPLAINT,
            },
        },
    }
