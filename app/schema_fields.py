"""The building blocks of every schema that reads a request (the API's bodies, and the query
strings of the API and of the pages): marshmallow fields whose messages are in the reader's
language, and the input base class that trims text and reads repeated query parameters."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext, lazy_gettext
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from marshmallow.schema import SchemaMeta
from werkzeug.datastructures import FileStorage

from app.validation import ma_rule
from barcode_db.text_safety import ALLOWED_TEXT_PATTERN
from complaints import report_rules as rules


def field_messages() -> dict[str, Any]:
    """marshmallow's own messages, in the reader's language."""
    return {
        "required": lazy_gettext("This field is required."),
        "null": lazy_gettext("This field is required."),
        "invalid": lazy_gettext("Not a valid value."),
    }


def text_field(limit: int, *, required: bool = False, **kwargs: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=ma_rule(lambda value: rules.length_problem(value, limit)),
        error_messages=field_messages(),
        metadata={**kwargs.pop("metadata", {}), "maxLength": limit},
        **kwargs,
    )


def date_field(**kwargs: Any) -> fields.Date:
    return fields.Date(
        error_messages={
            **field_messages(),
            "invalid": lazy_gettext("Not a valid date: YYYY-MM-DD."),
        },
        **kwargs,
    )


def boolean_field(**kwargs: Any) -> fields.Boolean:
    return fields.Boolean(
        error_messages={
            **field_messages(),
            "invalid": lazy_gettext("Not a valid true/false value."),
        },
        **kwargs,
    )


def integer_field(**kwargs: Any) -> fields.Integer:
    return fields.Integer(
        error_messages={**field_messages(), "invalid": lazy_gettext("Not a valid whole number.")},
        **kwargs,
    )


def choice_field(values: list[str], message: Any, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=OneOf(values, error=message),
        error_messages=field_messages(),
        **kwargs,
    )


class OneOf(validate.OneOf):
    """marshmallow's OneOf, saying what is allowed in the reader's language."""

    def _format_error(self, value: object) -> str:
        if self.error != self.default_message:
            return str(self.error)
        return gettext("Must be one of: %(choices)s.", choices=self.choices_text)


class FileUpload(Upload):
    """A file part of a multipart body; a text part of the same name is refused, not read."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError(str(lazy_gettext("Send a file here, not text.")))
        return value


def _is_upload(field: fields.Field) -> bool:
    inner = field.inner if isinstance(field, fields.List) else field
    return isinstance(inner, Upload)


class _DocumentsTheCharacterRule(SchemaMeta):
    """Every text a request carries is documented with the character rule the web boundary
    (``app.input_guard``) applies to it, unless its own pattern or list of values is narrower."""

    @classmethod
    def get_declared_fields(  # type: ignore[override]
        mcs,
        klass: SchemaMeta,
        cls_fields: list[tuple[str, fields.Field]],
        inherited_fields: list[tuple[str, fields.Field]],
        dict_cls: type[dict[str, fields.Field]] = dict,
    ) -> dict[str, fields.Field]:
        for _, declared in cls_fields:
            inner = declared.inner if isinstance(declared, fields.List) else declared
            if not isinstance(inner, fields.String) or "pattern" in inner.metadata:
                continue
            if any(isinstance(v, validate.OneOf | validate.Regexp) for v in inner.validators):
                continue
            inner.metadata = {**inner.metadata, "pattern": ALLOWED_TEXT_PATTERN}
        return super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)


class Input(ma.Schema, metaclass=_DocumentsTheCharacterRule):
    """A request: text is stripped and fields the API does not know are ignored. In a form
    (multipart) body an empty field is left out, as a browser's empty box means "not given";
    in a query string an empty value is a value (and refused where it is not one)."""

    class Meta:
        unknown = ma.EXCLUDE

    error_messages = {"unknown": lazy_gettext("This field is not part of the request.")}  # noqa: RUF012
    drop_empty: bool = False
    keep_empty: tuple[str, ...] = ()

    @ma.pre_load
    def _drop_empty(self, data: Any, **_: Any) -> dict[str, Any]:
        cleaned: dict[str, Any] = {}
        # Only the fields this schema reads are looked at (the others are excluded anyway).
        for attribute, field in self.load_fields.items():
            name = field.data_key or attribute
            if name not in data:
                continue
            value = data[name]
            if isinstance(field, fields.List) and hasattr(data, "getlist"):
                value = data.getlist(name)
                if self.drop_empty and not _is_upload(field):  # a select's "all" option: empty
                    value = [
                        item for item in value if not (isinstance(item, str) and not item.strip())
                    ]
            # (A browser's empty file box is a file part; a text part named like a file field is
            # no file at all, and FileUpload refuses it.)
            if isinstance(value, str):
                value = value.strip()
                if value == "" and self.drop_empty and name not in self.keep_empty:
                    continue
            cleaned[name] = value
        if self.unknown == ma.RAISE:  # a closed body: what it does not know is refused
            known = {field.data_key or attribute for attribute, field in self.load_fields.items()}
            cleaned.update({name: data[name] for name in data if name not in known})
        return cleaned


def code_in_path(name: str, description: str) -> dict[str, Any]:
    """The OpenAPI parameter of a short code in the path (a tracking code, a survey's code),
    which the views read forgivingly: letters, digits, spaces and dashes, case ignored."""
    return {
        "in": "path",
        "name": name,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9 -]{1,20}$"},
        "description": description,
    }
