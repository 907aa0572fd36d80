"""The feedback form of a round as a WTForms form, built at runtime from the stored questions.

One field per question, named ``q<question id>``. The preview and the answering page both use
``build_answer_form``; what a stakeholder submits becomes stored answers with
``answers_from_form``, and stored answers fill the form again with ``form_data_from_answers``.

Values in the form are strings: a scale "1"-"5", yes/no "yes"/"no", a choice the option's index
("0", "1", ...), a multiple choice a list of such indexes. Every error message names its
question, so the error summary at the top can list the messages as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

from flask_babel import gettext as _
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ideation.core.forms import Form
from ideation.core.routing import optional_number
from ideation.validation.models import Question, QuestionKind, Round

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
CHOICE_KINDS = (QuestionKind.scale, QuestionKind.yes_no, QuestionKind.single_choice,
                QuestionKind.multiple_choice)
TEXT_KINDS = (QuestionKind.short_text, QuestionKind.long_text)
YES, NO = "yes", "no"


class AnswerValue(NamedTuple):
    """One value to store as an Answer row: a number in ``choice`` or a text in ``text``."""

    question_id: int
    choice: int | None
    text: str | None


class AnswerLike(Protocol):
    question_id: int
    choice: int | None
    text: str | None


class Answered(InputRequired):
    """InputRequired that also refuses input of only spaces."""

    def __call__(self, form: Any, field: Field) -> None:
        if any(str(value).strip() for value in field.raw_data or ()):
            return
        field.errors[:] = []
        raise StopValidation(self.message)


def field_name(question: Question) -> str:
    return f"q{question.id}"


def _scale_choices(question: Question) -> list[SelectChoice]:
    labels = {1: question.low_label, 5: question.high_label}
    return [SelectChoice(str(n), f"{n} – {labels[n]}" if labels.get(n) else str(n))
            for n in range(1, 6)]


def _choices(question: Question) -> list[SelectChoice]:
    if question.kind is QuestionKind.scale:
        return _scale_choices(question)
    if question.kind is QuestionKind.yes_no:
        return [SelectChoice(YES, _("Yes")), SelectChoice(NO, _("No"))]
    return [SelectChoice(str(i), option) for i, option in enumerate(question.options or [])]


def _make_field(question: Question, require: bool) -> Field:
    """The unbound field for one question."""
    name = question.text
    required = question.required and require
    validators: list[Any] = [
        Answered(message=_("Answer the question “%(question)s”.", question=name))
        if required else Optional()]
    common: dict[str, Any] = {"label": name, "description": question.help_text or "",
                              "validators": validators}
    if question.kind in TEXT_KINDS:
        limit = SHORT_TEXT_MAX if question.kind is QuestionKind.short_text else LONG_TEXT_MAX
        # WTForms %-formats Length's message: a "%" in the question must stay literal.
        validators.append(Length(max=limit, message=_(
            "Your answer to “%(question)s” is too long: use at most %(max)d characters.",
            question=name, max=limit).replace("%", "%%")))
        kind = StringField if question.kind is QuestionKind.short_text else TextAreaField
        return kind(filters=[lambda value: value.strip() if isinstance(value, str) else value],
                    **common)
    wrong = _("Choose one of the options of “%(question)s”.", question=name)
    if question.kind is QuestionKind.multiple_choice:
        # WTForms %-formats this message: a "%" in the question must stay literal.
        return SelectMultipleField(choices=_choices(question), widget=ListWidget(
            prefix_label=False), option_widget=CheckboxInput(),
            invalid_choice_message=wrong.replace("%", "%%"), invalid_value_message=wrong,
            **common)
    return RadioField(choices=_choices(question), invalid_choice_message=wrong,
                      invalid_value_message=wrong, **common)


def build_answer_form(round_: Round, *, formdata: Any = None, data: Mapping[str, Any] | None = None,
                      require: bool = True, base: type[Form] = Form) -> Form:
    """A form with one field per question of ``round_``, in order.

    ``formdata``: what was posted (pass ``request.form``; None reads nothing). ``data``: the
    values to show, e.g. from ``form_data_from_answers``. ``require=False`` accepts a
    half-filled form (saving to come back later); wrong values are refused either way.
    ``base``: a Form subclass with extra fields (an anonymity box, buttons).
    """
    fields = {field_name(q): _make_field(q, require) for q in round_.questions}
    form_class = type("AnswerForm", (base,), fields)
    return form_class(formdata=formdata, data=dict(data or {}))


def _to_choices(question: Question, value: Any) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    if question.kind is QuestionKind.yes_no:
        return [1 if v == YES else 0 for v in values if v in (YES, NO)]
    return sorted({n for v in values if (n := optional_number(v, low=0)) is not None})


def answers_from_form(round_: Round, form: Form) -> list[AnswerValue]:
    """The values of a validated form, one per Answer row to store; empty answers left out."""
    values: list[AnswerValue] = []
    for question in round_.questions:
        value = form[field_name(question)].data
        if question.kind in TEXT_KINDS:
            if value and value.strip():
                values.append(AnswerValue(question.id, None, value.strip()))
            continue
        values.extend(AnswerValue(question.id, choice, None)
                      for choice in _to_choices(question, value)
                      if _valid_choice(question, choice))
    return values


def _valid_choice(question: Question, choice: int | None) -> bool:
    if choice is None:
        return False
    if question.kind is QuestionKind.scale:
        return 1 <= choice <= 5
    if question.kind is QuestionKind.yes_no:
        return choice in (0, 1)
    return 0 <= choice < len(question.options or [])


def _form_value(question: Question, choice: int) -> str:
    if question.kind is QuestionKind.yes_no:
        return YES if choice == 1 else NO
    return str(choice)


def form_data_from_answers(round_: Round, answers: Iterable[AnswerLike]) -> dict[str, Any]:
    """The ``data`` for ``build_answer_form`` from stored answers (Answer rows or
    AnswerValue tuples). Answers to questions not in the round, or to options that no longer
    exist, are left out."""
    questions = {q.id: q for q in round_.questions}
    data: dict[str, Any] = {}
    for item in answers:
        question = questions.get(item.question_id)
        if question is None:
            continue
        name = field_name(question)
        if question.kind in TEXT_KINDS:
            data[name] = item.text or ""
        elif _valid_choice(question, item.choice):
            value = _form_value(question, item.choice)  # type: ignore[arg-type]
            if question.kind is QuestionKind.multiple_choice:
                data.setdefault(name, []).append(value)
            else:
                data[name] = value
    return data
