"""The installed dependencies have no known vulnerability that the README does not explain.

``pip-audit`` looks every installed package up in PyPI's vulnerability data
(``https://pypi.org/pypi/<name>/<version>/json``). Where that service cannot be reached the
test is skipped, saying so, and never passes: nothing was audited then.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "### Known vulnerabilities in dependencies"
VULN_ID = re.compile(r"\b(?:PYSEC-\d{4}-\d+|GHSA(?:-[0-9a-z]{4}){3}|CVE-\d{4}-\d+)\b")


def explained_in_readme() -> set[str]:
    """The vulnerability ids named in the README's section on them."""
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n#", start + len(SECTION))
    return set(VULN_ID.findall(text[start:end if end != -1 else None]))


def audit() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
         "--format", "json", "--desc", "off", "--aliases", "on", "--timeout", "20"],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        problem = result.stderr.strip().splitlines()[-1:] or ["no output"]
        if re.search(r"connect|resolve|network|timed out|SSL|HTTP", result.stderr, re.I):
            pytest.skip(f"pip-audit could not reach PyPI's vulnerability service: {problem[0]}."
                        " Nothing was audited.")
        raise AssertionError(
            f"pip-audit failed (exit {result.returncode}): {result.stderr}") from None


def test_no_unexplained_known_vulnerability_in_the_installed_dependencies():
    report = audit()
    packages = report["dependencies"]
    audited = [p for p in packages if "skip_reason" not in p]
    if not audited:
        reason = packages[0]["skip_reason"] if packages else "no packages listed"
        pytest.skip(f"pip-audit could not look up any of the {len(packages)} installed packages "
                    f"in PyPI's vulnerability data (first: {reason}). Nothing was audited.")

    explained = explained_in_readme()
    unexplained = [f"{p['name']} {p['version']}: {v['id']} (fixed in {v['fix_versions']})"
                   for p in audited for v in p["vulns"]
                   if not ({v["id"], *v.get("aliases", [])} & explained)]
    assert unexplained == [], "fix these or explain them in the README: " + "; ".join(
        unexplained)


def test_the_readme_names_its_explained_vulnerabilities_in_one_section():
    assert SECTION in README.read_text()
    assert all(VULN_ID.fullmatch(vuln) for vuln in explained_in_readme())
