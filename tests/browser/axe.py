"""axe-core in the browser: the WCAG 2.1 A and AA rules over the page as it is now.

axe-core is vendored for the tests only (``vendor/axe.min.js``, MPL-2.0, see
``vendor/README.md``); it is never served to users.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """Each violation as "rule: the elements it found", on the page as it is now. The script
    runs through ``evaluate``, outside the page's CSP (which rightly refuses injected ones)."""
    page.wait_for_load_state("load")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS)
    assert len(result["passes"]) > 10, "axe did not look at the page"
    return [f"{v['id']}: " + ", ".join(" ".join(n["target"]) for n in v["nodes"])
            for v in result["violations"]]
