"""Staff forms of the surveys: a survey's design and a paper questionnaire typed in.

Labels are msgids translated when the form is built (lazy_gettext). The forms carry what was
typed and check nothing of it: the rules are the core's (:func:`surveys.design.design_problems`,
:func:`surveys.answering.record_answer`), and their problems are shown under the fields they are
about. The quota targets are many small inputs named ``quota-<dimension>-<stratum>``, read by
the view (one per province, age group and sales channel; a forged stratum reaches the core,
which refuses it).

The app's CSRFProtect checks the token of every POST before any view runs; the templates write
it as a plain hidden input (``csrf_token()``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import DateInput

from surveys.design import DESCRIPTION_LENGTH, TITLE_LENGTH
from surveys.questions import COMMENT_LENGTH


class _Form(FlaskForm):
    class Meta:
        csrf = False  # checked by CSRFProtect for every POST


class SurveyForm(_Form):
    #: The survey's version the form was made from: a save over someone else's is refused.
    version = HiddenField()
    title = StringField(lazy_gettext("Title"), render_kw={"maxlength": TITLE_LENGTH})
    description = TextAreaField(
        lazy_gettext("Introduction respondents read (optional)"),
        render_kw={"maxlength": DESCRIPTION_LENGTH, "rows": 3},
    )
    #: Date inputs (YYYY-MM-DD as browsers send them), read by the view.
    opens_on = StringField(lazy_gettext("Opens on"), widget=DateInput())
    closes_on = StringField(
        lazy_gettext("Closes on (the last day answers are taken)"), widget=DateInput()
    )
    subject = RadioField(lazy_gettext("What the survey is about"), validate_choice=False)
    category = SelectField(lazy_gettext("Kind of product"), validate_choice=False)
    brand_ids = SelectMultipleField(lazy_gettext("Brands"), validate_choice=False)
    product_ids = SelectMultipleField(lazy_gettext("Products"), validate_choice=False)
    questions = SelectMultipleField(lazy_gettext("Questions"), validate_choice=False)
    weight_by = SelectField(lazy_gettext("Weight the figures to"), validate_choice=False)
    minimum_n = StringField(
        lazy_gettext("Answers needed before a group’s figures are shown"),
        render_kw={"inputmode": "numeric", "maxlength": 6},
    )
    publish = BooleanField(
        lazy_gettext(
            "Publish the figures (brand pages and API), from the minimum number of answers"
        )
    )
    invite_on_verdict = BooleanField(
        lazy_gettext("Invite shoppers to answer after a verdict on a trusted product of the survey")
    )
    province_code = SelectField(lazy_gettext("Whose survey"), validate_choice=False)
    previous_id = SelectField(lazy_gettext("Compare with the survey before"), validate_choice=False)


class PaperForm(_Form):
    """A paper questionnaire: its number, what was rated, the answers, the optional facts. The
    scores are inputs named ``q-<question>`` (``q-overall``, ``q-quality``, …), read by the view
    for the questions the survey asks."""

    paper_ref = StringField(
        lazy_gettext("Number written on the questionnaire"),
        render_kw={"maxlength": 40, "autocomplete": "off"},
    )
    #: "b<id>" (a brand) or "p<id>" (a product), as :class:`surveys.answering.Choice` reads.
    product = SelectField(lazy_gettext("Product rated"), validate_choice=False)
    gtin = StringField(
        lazy_gettext("Or its barcode number"),
        render_kw={"inputmode": "numeric", "maxlength": 20, "autocomplete": "off"},
    )
    choose_again = RadioField(lazy_gettext("Would choose it again"), validate_choice=False)
    comment = TextAreaField(
        lazy_gettext("Comment"), render_kw={"maxlength": COMMENT_LENGTH, "rows": 2}
    )
    age_group = SelectField(lazy_gettext("Age group"), validate_choice=False)
    province = SelectField(lazy_gettext("Province"), validate_choice=False)
    commune = SelectField(lazy_gettext("Commune"), validate_choice=False)
    channel = SelectField(lazy_gettext("Where bought"), validate_choice=False)
