"""The workspace tests use the validation tests' challenge (in its testing phase), its
prototype and its people."""

# The fixtures are imported to be shared; pytest injects them by parameter name.
# ruff: noqa: F401

from tests.validation.conftest import challenge, core, english, prototype, roles
