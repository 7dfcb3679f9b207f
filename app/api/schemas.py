"""The JSON API's request and response schemas (marshmallow): the validators of what comes in and
the description of what goes out. ``/api/openapi.json`` is generated from them (flask-smorest),
so the document cannot drift from the code; the rules a report shares with the web form are
the complaints core's (:mod:`complaints.report_rules`), wrapped by :mod:`app.validation`.

Responses are closed shapes: every object lists its fields and refuses others
(``additionalProperties: false``), so a field added to a view without its schema fails the
tests that validate real responses against the document (and schemathesis).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext
from marshmallow import fields, validate

from app.clock import local_today
from app.schema_fields import (
    FileUpload,
    Input,
    OneOf,
    boolean_field,
    choice_field,
    date_field,
    field_messages,
    integer_field,
    text_field,
)
from app.validation import ma_rule
from app.verification import MAX_LABEL_PHOTOS
from barcode_db.areas import provinces
from barcode_db.categories import CODES as CATEGORY_CODES
from barcode_db.claims import CLAIM_LENGTHS
from barcode_db.label_text import PartyRole
from barcode_db.matching import MatchKind
from barcode_db.models import Programme
from barcode_db.prefixes import PrefixKind
from barcode_db.provenance import FACT_NAMES
from barcode_db.verdict import Level, ReportHint, Source, Tone
from complaints import report_rules as rules
from complaints.evidence import MAX_PHOTOS
from complaints.workflow import Category, Status

# ---- requests ----------------------------------------------------------------------------------


class LangArgs(Input):
    lang = fields.String(
        load_default="vi",
        validate=OneOf(["vi", "en"]),
        metadata={"description": "Language of messages."},
    )


class VerifyPhotoArgs(LangArgs):
    counted = boolean_field(
        load_default=True,
        metadata={
            "description": "false for a read that is not a shopper's check: the scan page "
            "sends stills of its live camera to read the number, and counts the check that "
            "follows. Checks are counted, with nothing personal, in the association's campaign "
            "figures."
        },
    )


class Claims(Input):
    """What the label says, as the shopper read it (all optional)."""

    brand = text_field(CLAIM_LENGTHS["brand"], metadata={"description": "Brand name on the label."})
    made_in_vietnam = boolean_field(
        load_default=False, metadata={"description": "The label claims Made in Vietnam."}
    )
    maker = text_field(
        CLAIM_LENGTHS["maker"],
        metadata={"description": "The maker or responsible company named on the label."},
    )
    origin = text_field(
        CLAIM_LENGTHS["origin"],
        metadata={"description": "The origin on the label (“Xuất xứ”, “Made in”)."},
    )
    expires = date_field(metadata={"description": "The expiry date on the label, YYYY-MM-DD."})


class CategoryArg(Input):
    category = choice_field(
        list(CATEGORY_CODES),
        None,
        metadata={
            "description": "What the shopper says the product is (a category code), for the "
            "Vietnamese alternatives when the registry does not know the product; the registry's "
            "category comes first."
        },
    )


class VerifyQuery(LangArgs, Claims, CategoryArg):
    code = fields.String(
        required=True,
        validate=ma_rule(lambda value: rules.length_problem(value, 512)),
        error_messages={
            **field_messages(),
            "required": lazy_gettext("Give the barcode number as ?code=..."),
        },
        metadata={"description": "Digits, a GS1 element string or a GS1 Digital Link."},
    )


class VerifyForm(Claims):
    """A label photo check (multipart): photos, or a code instead, with the label's claims."""

    class Meta:
        unknown = ma.RAISE  # documented closed (additionalProperties: false)

    drop_empty = True

    photo = fields.List(
        FileUpload(),
        validate=validate.Length(max=MAX_LABEL_PHOTOS),
        metadata={
            "description": "One to three photos of one product (barcode side, front, back): "
            "JPEG, PNG, WebP, GIF, BMP or TIFF, up to 10 MB each."
        },
    )
    code = text_field(512, metadata={"description": "Instead of a photo."})


class IdempotencyHeader(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        required=True,
        data_key="Idempotency-Key",
        validate=ma_rule(rules.idempotency_key_problem),
        error_messages={
            **field_messages(),
            "required": lazy_gettext(
                "Send an Idempotency-Key header of 16 to 80 letters, digits, “-” or “_” "
                "(a UUID will do)."
            ),
        },
        metadata={
            "description": "A fresh random key per report (a UUID). Retrying with the same key "
            "and content returns the first filing; the same key with other content is refused "
            "(409).",
            "pattern": rules.IDEMPOTENCY_KEY_PATTERN,
        },
    )


class ComplaintIn(Input):
    """A shopper's report: the same rules as the web form (complaints.report_rules)."""

    class Meta:
        unknown = ma.RAISE  # documented closed (additionalProperties: false)

    drop_empty = True

    category = choice_field(
        [c.value for c in Category],
        lazy_gettext("Choose what is wrong with the product."),
        required=True,
    )
    province_code = fields.String(
        required=True,
        error_messages={
            **field_messages(),
            "required": lazy_gettext("Choose the province or city."),
        },
        metadata={
            "description": "NSO code of one of the 34 provinces (2025).",
            "enum": list(provinces()),
        },
    )
    commune_code = fields.String(
        metadata={
            "pattern": "^[0-9]{5}$",
            "description": "NSO code of a commune of that province "
            "(GET /api/v1/areas/{province_code}/communes).",
        }
    )
    description = fields.String(
        required=True,
        validate=ma_rule(rules.description_problem),
        error_messages={
            **field_messages(),
            "required": lazy_gettext("Describe what you saw, in a few words."),
        },
        metadata={"minLength": rules.DESCRIPTION_MIN, "maxLength": rules.DESCRIPTION_MAX},
    )
    code = text_field(rules.LENGTHS["code"], metadata={"description": "Barcode as seen."})
    product_name = text_field(rules.LENGTHS["product_name"])
    brand = text_field(rules.LENGTHS["brand"])
    store_name = text_field(rules.LENGTHS["store_name"])
    store_address = text_field(rules.LENGTHS["store_address"])
    date_seen = date_field(
        validate=ma_rule(lambda day: rules.date_seen_problem(day, local_today()))
    )
    price_vnd = integer_field(
        validate=ma_rule(rules.price_problem),
        metadata={"minimum": 0, "maximum": rules.PRICE_MAX},
    )
    quantity = integer_field(
        validate=ma_rule(rules.quantity_problem),
        metadata={"minimum": 1, "maximum": rules.QUANTITY_MAX},
    )
    photos = fields.List(
        FileUpload(),
        metadata={
            "maxItems": MAX_PHOTOS,
            "description": "JPEG, PNG, WebP or HEIC, 10 MB each.",
        },
    )
    anonymous = boolean_field(load_default=True)
    contact_name = text_field(rules.LENGTHS["contact_name"])
    contact_phone = fields.String(
        validate=ma_rule(rules.phone_problem), metadata={"pattern": rules.PHONE_PATTERN}
    )
    contact_email = fields.String(
        validate=ma_rule(
            lambda v: (
                rules.length_problem(v, rules.LENGTHS["contact_email"]) or rules.email_problem(v)
            )
        ),
        metadata={"format": "email", "maxLength": rules.LENGTHS["contact_email"]},
    )
    consent = boolean_field(
        load_default=False, metadata={"description": "Required with contact details."}
    )

    @ma.validates_schema
    def _area_and_consent(self, data: dict[str, Any], **_: Any) -> None:
        from app.i18n import render_message

        problems: dict[str, list[str]] = {}
        if "province_code" in data:
            area = rules.area_problem(data["province_code"], data.get("commune_code"))
            if area is not None:
                field = "commune_code" if area.code == "commune_elsewhere" else "province_code"
                problems[field] = [render_message(area)]
        consent = rules.consent_problem(
            anonymous=data.get("anonymous", True),
            contact=tuple(
                data.get(k, "") for k in ("contact_name", "contact_phone", "contact_email")
            ),
            consent=data.get("consent", False),
        )
        if consent is not None:
            problems["consent"] = [render_message(consent)]
        if problems:
            raise ma.ValidationError(problems)


# ---- responses ---------------------------------------------------------------------------------


def _nullable(field: fields.Field) -> fields.Field:
    field.allow_none = True
    return field


def _enum(values: list[str], **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(values), **kwargs)


class ErrorDetail(ma.Schema):
    status = fields.Integer(required=True)
    code = fields.String(metadata={"description": "Stable code of the refusal, when it has one."})
    message = fields.String(required=True, metadata={"description": "In the language asked for."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field name → what is wrong with it (invalid requests)."},
    )


class ErrorSchema(ma.Schema):
    error = fields.Nested(ErrorDetail, required=True)


class ReasonSchema(ma.Schema):
    code = fields.String(required=True, metadata={"description": "Stable reason code."})
    tone = _enum([t.value for t in Tone], required=True)
    source = _enum(
        [s.value for s in Source],
        required=True,
        metadata={
            "description": "What the reason rests on: the number, the registry, what the shopper "
            "typed, what was read on the label photo (OCR, not the shopper's word), or the "
            "association's records."
        },
    )
    report_category = _enum(
        [h.value for h in ReportHint],
        required=True,
        allow_none=True,
        metadata={"description": "The complaint category a report about this reason would have."},
    )
    message = fields.String(required=True, metadata={"description": "In the language asked for."})


class Gs1Schema(ma.Schema):
    prefix = fields.String(required=True)
    organisation = fields.String(
        required=True,
        metadata={"description": "GS1's own English name of the range, as GS1 lists it."},
    )
    description = fields.String(
        required=True,
        metadata={
            "description": "What the range is, in the language asked for (as the page says)."
        },
    )
    country_code = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 of the GS1 member organisation; null for "
            "non-country ranges. Not the country of manufacture."
        },
    )
    country_name = fields.String(required=True, allow_none=True)
    kind = _enum([k.value for k in PrefixKind], required=True)


class CompanySchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    province_code = fields.String(required=True, allow_none=True)
    company_prefix = fields.String(required=True, allow_none=True)
    sample_data = fields.Boolean(required=True)


class ProductSchema(ma.Schema):
    gtin = fields.String(required=True)
    name = fields.String(required=True)
    brand = fields.String(required=True, allow_none=True)


class BrandMatchSchema(ma.Schema):
    seen = fields.String(required=True, allow_none=True)
    match = _enum([k.value for k in MatchKind], required=True)
    name = fields.String(required=True)


class CertificationSchema(ma.Schema):
    programme = _enum([p.value for p in Programme], required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True, allow_none=True)
    stars = fields.Integer(required=True, allow_none=True)
    valid_until = fields.Date(required=True, allow_none=True)
    brand = fields.String(required=True, allow_none=True)


class DecodedSchema(ma.Schema):
    symbology = fields.String(required=True)
    text = fields.String(required=True)
    engine = fields.String(required=True)
    pass_ = fields.String(
        data_key="pass", required=True, metadata={"description": "the reader's pass that found it"}
    )
    confirmed_by = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "the second pass that confirmed a read made under heavy image processing"
        },
    )
    votes = fields.Integer(
        required=True,
        metadata={"description": "how many (engine, pass) attempts read these digits"},
    )
    box = fields.List(
        fields.Integer(),
        required=True,
        allow_none=True,
        metadata={"description": "where on the photo: left, top, right, bottom (pixels)"},
    )


class LabelBrandSchema(ma.Schema):
    text = fields.String(required=True, metadata={"description": "Exactly as read."})
    match = _enum([k.value for k in MatchKind], required=True)
    certain = fields.Boolean(
        required=True,
        metadata={"description": "Two readings agreed; an unsure finding is not judged on."},
    )
    registry_brand = fields.String(required=True, allow_none=True)
    company_code = fields.String(required=True, allow_none=True)


class LabelMakerSchema(ma.Schema):
    text = fields.String(required=True)
    role = _enum([r.value for r in PartyRole], required=True)
    company_code = fields.String(required=True, allow_none=True)


class LabelImporterSchema(ma.Schema):
    text = fields.String(required=True)


class LabelOriginSchema(ma.Schema):
    text = fields.String(required=True)
    country_code = fields.String(
        required=True, allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"}
    )


class LabelDatesSchema(ma.Schema):
    manufactured = fields.Date(required=True, allow_none=True)
    expires = fields.Date(required=True, allow_none=True)
    certain = fields.Boolean(required=True)


class LabelSchema(ma.Schema):
    """What was read on the label photos (photo verifications only)."""

    text = fields.String(
        required=True, metadata={"description": "All the text read, line by line."}
    )
    brands = fields.List(fields.Nested(LabelBrandSchema), required=True)
    maker = fields.Nested(LabelMakerSchema, required=True, allow_none=True)
    importer = fields.Nested(LabelImporterSchema, required=True, allow_none=True)
    origin = fields.Nested(LabelOriginSchema, required=True, allow_none=True)
    dates = fields.Nested(LabelDatesSchema, required=True)
    vietnamese_text = fields.Boolean(required=True)
    ocr_ms = fields.Float(
        required=True, metadata={"description": "Time spent reading the label text, ms."}
    )


class ProvenanceSchema(ma.Schema):
    """One fact of where a product comes from, with its source and when it was last checked."""

    fact = _enum(
        list(FACT_NAMES),
        required=True,
        metadata={
            "description": "Which fact: barcode_licensed_by (the GS1 organisation, from the GS1 "
            "prefix table), brand_owner (the registry company; registered in Vietnam when it "
            "has a tax code), owner_group (its group and that group's country), made_in, "
            "certification (one per certification held now, or one saying none)."
        },
    )
    value = fields.String(required=True, metadata={"description": "In the language asked for."})
    source = fields.String(
        required=True,
        metadata={
            "description": "Where the fact comes from, as recorded (or “not checked” / “not "
            "recorded”, in the language asked for)."
        },
    )
    checked_on = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "When the source was last checked; null when not recorded."},
    )


class AlternativeCertificationSchema(ma.Schema):
    programme = _enum([p.value for p in Programme], required=True)
    year = fields.Integer(required=True)
    valid_until = fields.Date(required=True, allow_none=True)


class AlternativeSchema(ma.Schema):
    """A trusted Vietnamese product of the same category."""

    gtin = fields.String(required=True, metadata={"description": "As printed on the pack."})
    name = fields.String(required=True)
    brand = fields.String(required=True, allow_none=True)
    company_code = fields.String(required=True)
    certifications = fields.List(
        fields.Nested(AlternativeCertificationSchema),
        required=True,
        metadata={"description": "Those current today: the company's and its brand's."},
    )
    url = fields.Url(required=True, metadata={"description": "Its page in the catalogue."})
    sample_data = fields.Boolean(required=True)


class VerificationSchema(ma.Schema):
    input = fields.String(required=True)
    gtin = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "8, 12, 13 or 14 digits; UPC-E expanded to UPC-A."},
    )
    format = _enum(["GTIN-8", "GTIN-12", "GTIN-13", "GTIN-14"], required=True, allow_none=True)
    valid = fields.Boolean(required=True)
    level = _enum([level.value for level in Level], required=True)
    title = fields.String(required=True)
    suspect = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    text = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "QR content that is not a product number; never followed."},
    )
    gs1 = fields.Nested(Gs1Schema, required=True, allow_none=True)
    company = fields.Nested(CompanySchema, required=True, allow_none=True)
    product = fields.Nested(ProductSchema, required=True, allow_none=True)
    brand = fields.Nested(BrandMatchSchema, required=True, allow_none=True)
    certifications = fields.List(fields.Nested(CertificationSchema), required=True)
    decoded = fields.List(fields.Nested(DecodedSchema), required=True)
    unclear = fields.List(
        fields.List(fields.String()),
        required=True,
        metadata={
            "description": "Barcodes read two (or more) different ways: the numbers read on "
            "each, most agreed first. Never a verdict about any of them."
        },
    )
    decode_ms = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "time spent reading the photo, in milliseconds"},
    )
    chosen = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The number decoded from the photos that the verdict is for; null "
            "when there is none (see chosen_reason)."
        },
    )
    chosen_reason = _enum(
        ["one_number", "several_numbers", "unclear", "no_number"],
        required=True,
        allow_none=True,
        metadata={
            "description": "Why (photo verifications; null for a typed code): one_number - one "
            "product number on the photos, the verdict is for it; several_numbers - different "
            "products, no verdict, see choices; unclear - one barcode read two different ways "
            "that agreement between reads could not settle, no verdict, see unclear and choices "
            "(compare with the digits printed under the bars); no_number - nothing read."
        },
    )
    choices = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "Different product numbers read on the photos (or the readings of an "
            "unclear barcode): no verdict is given about any of them; the shopper chooses."
        },
    )
    label = fields.Nested(LabelSchema, required=True, allow_none=True)
    provenance = fields.List(
        fields.Nested(ProvenanceSchema),
        required=True,
        metadata={
            "description": "How Vietnamese is this: separate facts, each with its source and "
            "date (no score). The GS1 fact for any valid product number; the others when the "
            "registry gives the number an owner."
        },
    )
    alternatives = fields.List(
        fields.Nested(AlternativeSchema),
        required=True,
        metadata={
            "description": "Up to 5 trusted Vietnamese products of the same category, best "
            "first (most certifications current today, then Vietnam National Brand, then the "
            "name), after a FOREIGN, NO_COUNTRY, VIETNAMESE or suspect verdict; empty when the "
            "category is not known (the registry's product category, else ``category``)."
        },
    )


class FiledSchema(ma.Schema):
    tracking_code = fields.String(required=True)
    tracking_url = fields.Url(required=True)
    qr_url = fields.Url(required=True)
    status = _enum([s.value for s in Status], required=True)
    created = fields.Boolean(
        required=True, metadata={"description": "False: an earlier filing with this key."}
    )


class PublicNoteSchema(ma.Schema):
    at = fields.DateTime(required=True)
    note = fields.String(required=True)


class PublicComplaintSchema(ma.Schema):
    tracking_code = fields.String(required=True)
    status = _enum([s.value for s in Status], required=True)
    status_text = fields.String(required=True)
    category = _enum([c.value for c in Category], required=True)
    product_name = fields.String(required=True)
    brand = fields.String(required=True)
    code = fields.String(required=True)
    province_code = fields.String(required=True)
    commune_code = fields.String(required=True, allow_none=True)
    photo_count = fields.Integer(required=True)
    filed_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    public_notes = fields.List(fields.Nested(PublicNoteSchema), required=True)
    followed_status = _enum([s.value for s in Status], required=True, allow_none=True)
    can_rate = fields.Boolean(required=True)


class CommuneSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CommunesSchema(ma.Schema):
    province = fields.String(required=True)
    communes = fields.List(fields.Nested(CommuneSchema), required=True)


class CaseSchema(ma.Schema):
    """A case as inspection systems see it: never the complainant's personal data."""

    id = fields.Integer(required=True)
    status = _enum([s.value for s in Status], required=True)
    category = _enum([c.value for c in Category], required=True)
    created_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    province_code = fields.String(required=True)
    commune_code = fields.String(required=True, allow_none=True)
    store_name = fields.String(required=True)
    store_address = fields.String(required=True)
    product_name = fields.String(required=True)
    brand = fields.String(required=True)
    code = fields.String(required=True)
    gtin = fields.String(required=True, allow_none=True)
    verdict_level = fields.String(required=True, allow_none=True)
    date_seen = fields.Date(required=True, allow_none=True)
    photo_count = fields.Integer(required=True)
    inspected_on = fields.Date(required=True, allow_none=True)
    violation_found = fields.Boolean(required=True, allow_none=True)
    enforcement_ref = fields.String(required=True)


class CasePageSchema(ma.Schema):
    cases = fields.List(fields.Nested(CaseSchema), required=True)
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "Cursor of the next page."}
    )
