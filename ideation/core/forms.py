"""Forms shared by every feature, and the base class of every form."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField


class Form(FlaskForm):
    """The base of every form: what was posted as text is read as text.

    Flask-WTF hands a form the posted files together with the text fields, and a JSON body
    as if it were form fields. A file posted under the name of a text field then reached
    the validators as a FileStorage (``len()`` of it: a 500), and a JSON object as a dict.
    Here files reach file fields only, and a JSON body is no form data at all (no form of
    this site posts JSON).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            data = super().wrap_formdata(form, formdata)
            if data is None or data is formdata or data is request.form:
                return data
            if not isinstance(data, CombinedMultiDict):  # a JSON body read as the form
                return request.form if request.form else None
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            files = MultiDict([(name, value) for name, value in request.files.items(multi=True)
                               if name in file_fields])
            return CombinedMultiDict((files, request.form))


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons (log out, delete, support)."""
