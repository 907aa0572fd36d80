"""The error every idea rule raises when it is broken."""

from __future__ import annotations


class IdeaError(ValueError):
    """A rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
