"""Imports flow one way: every module of the package imports on its own.

A module that only imports after some other module was imported first (a circular import:
a view module importing the blueprint from the module that imports the view modules) breaks
the first time someone imports it directly, in a script, a test or a worker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ideation"

# Runs in a fresh interpreter. The libraries the package uses are loaded once; then each
# module of ``ideation`` is imported in a child forked from that interpreter, before any
# module of ``ideation`` was imported: on its own, as `python -c "import <module>"` would,
# without paying Python's and the libraries' start-up 130 times.
CHECK = r"""
import importlib, os, sys, traceback

for library in ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_sqlalchemy",
                "flask_migrate", "flask_limiter", "flask_compress", "sqlalchemy", "wtforms",
                "whoosh", "numpy", "PIL", "sklearn", "rq", "redis", "email_validator"):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
assert not [name for name in sys.modules if name.split(".")[0] == "ideation"]

failed = 0
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
        except BaseException:
            os.write(write, traceback.format_exc().strip().splitlines()[-1].encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failed += 1
        print(f"{name}: {message or status}")
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_every_module_of_the_package_imports_on_its_own() -> None:
    modules = _modules()
    assert "ideation.validation.round_views" in modules and len(modules) > 100
    result = subprocess.run([sys.executable, "-c", CHECK, *modules], capture_output=True,
                            text=True, timeout=600, cwd=PACKAGE.parent)
    assert result.returncode == 0, f"modules that do not import on their own:\n{result.stdout}"
