"""The browser fixtures of ``tests/browser``, defined once for all long tests: a fixture
imported into two test modules is two fixtures, and a second Playwright cannot start while
the first one's browser is still open."""

from tests.browser.conftest import browser, live_server  # noqa: F401 - shared fixtures
