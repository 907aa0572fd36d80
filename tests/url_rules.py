"""Tests only: Werkzeug's URL builders compiled once per test process instead of once per app.

Every test builds its own app (its own database and instance folder), and every app compiles
one Python function per URL rule to build its URLs: about 190 rules, most of the 0.1 s that
making an app costs, on nearly every one of the suite's 2,000 tests. The function Werkzeug
generates depends only on the rule's text, its parsed parts, its defaults and converters, so
the same rule in the next app gets the same function. This goes below Werkzeug's API (the
private ``Rule._compile_builder``), so it is confined to this module and switched on only for
the Werkzeug release it was checked against; with another release the suite runs without it
(slower, nothing else changes). The application itself never uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

from werkzeug.routing import Rule

CHECKED_RELEASE = "3.1.9"

_compile_builder = Rule._compile_builder  # noqa: SLF001 - see the module's docstring
_builders: dict[tuple, Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple:
    """What the generated function depends on: the text, the parsed parts (``_trace``), the
    converters (a default is turned into text by its converter) and the defaults."""
    parts = tuple(rule._trace)  # noqa: SLF001
    converters = tuple(sorted((name, type(converter).__qualname__)
                              for name, converter in rule._converters.items()))  # noqa: SLF001
    defaults = tuple(sorted((str(name), repr(value))
                            for name, value in (rule.defaults or {}).items()))
    return (rule.rule, parts, converters, defaults, append_unknown)


def _cached_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    key = _key(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def compile_each_rule_once() -> bool:
    """Switch the cache on when the installed Werkzeug is the checked release."""
    if version("werkzeug") != CHECKED_RELEASE:
        return False
    Rule._compile_builder = _cached_builder  # type: ignore[method-assign]  # noqa: SLF001
    return True
