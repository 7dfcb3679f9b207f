from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[InputRequired(), Length(max=60)])
    password = PasswordField(
        lazy_gettext("Password"), validators=[InputRequired(), Length(max=200)]
    )
