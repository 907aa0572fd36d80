"""String enums that carry their own texts, so a state is named in one place (Indico's
``RichEnum`` idea): ``published = "published", _l("Published")``, with an optional third item
for a sentence that explains the member."""

from __future__ import annotations

import enum
from typing import Self

from flask_babel import LazyString


class LabelledEnum(enum.StrEnum):
    """``member.label`` names the member for people, in their language; ``member.description``
    explains it in a sentence where the enum has one (None otherwise). The stored value stays
    the plain string."""

    label: LazyString
    description: LazyString | None

    def __new__(cls, value: str, label: LazyString,
                description: LazyString | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.description = description
        return member

    @classmethod
    def find(cls, value: object) -> Self | None:
        """The member stored as ``value``, or None (for values read back from JSON)."""
        try:
            return cls(value)
        except (ValueError, TypeError):
            return None

    @classmethod
    def label_for(cls, value: str | None) -> str | LazyString:
        """The label of the member stored as ``value``; the value itself when no member has it
        (an old audit row), "" for None."""
        member = cls.find(value)
        return member.label if member is not None else value or ""
