"""Real servers for tests that need more than one process: gunicorn with sync workers on a
free loopback port, serving the test's own database and instance folder, and a small HTTP
client that behaves like a browser without JavaScript (cookies, CSRF tokens, no redirects).

The database of the ``app`` fixture is shared with the server: the same SQLite file, or the
same PostgreSQL schema (passed to libpq as ``options=-csearch_path=...``).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
# The access log names the worker (pid) that served each request.
ACCESS_FORMAT = '%(p)s "%(r)s" %(s)s'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(app: Flask) -> str:
    """The app's database as one URL another process can use."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    schema = app.config.get("TEST_SCHEMA")
    if schema:
        url += "?" + urllib.parse.urlencode({"options": f"-csearch_path={schema}"})
    return url


def server_environment(app: Flask, **settings: str) -> dict[str, str]:
    """Environment for a gunicorn (or flask) process serving the app's data, not in test mode:
    the same instance folder, database and secret key (so links and tokens match)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("IDEATION_")}
    env.update({
        "IDEATION_INSTANCE_PATH": app.instance_path,
        "IDEATION_DATABASE_URL": database_url(app),
        "IDEATION_SECRET_KEY": app.config["SECRET_KEY"],
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update({f"IDEATION_{name}": value for name, value in settings.items()})
    return env


class Gunicorn:
    """``gunicorn`` with ``workers`` sync workers; a context manager that always stops it."""

    def __init__(self, env: Mapping[str, str], workers: int = 2, log_dir: Path | None = None,
                 port: int | None = None) -> None:
        self.env = dict(env)
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir or Path(self.env["IDEATION_INSTANCE_PATH"])
        self.access_log = self.log_dir / f"access-{self.port}.log"
        self.error_log = self.log_dir / f"error-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--graceful-timeout", "5",
             "--access-logfile", str(self.access_log), "--access-logformat", ACCESS_FORMAT,
             "--error-logfile", str(self.error_log), "ideation:create_app()"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.errors()}")
            with (contextlib.suppress(OSError),
                  urllib.request.urlopen(self.base + "/healthz", timeout=2)):  # noqa: S310
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.errors()}")

    def errors(self) -> str:
        return self.error_log.read_text()[-4000:] if self.error_log.exists() else ""

    def worker_pids(self) -> set[int]:
        """The pids of the master's live workers."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()} if children.exists() else set()

    def pids_that_served(self, method: str, path_start: str) -> set[int]:
        """The workers (pids from the access log) that answered ``method path_start...``."""
        pids = set()
        for line in self.access_log.read_text().splitlines():
            pid, _sep, rest = line.partition(" ")
            if rest.startswith(f'"{method} {path_start}'):
                pids.add(int(pid.strip("<>")))
        return pids

    def kill_master(self) -> None:
        """SIGKILL the master alone (its workers notice and stop on their own)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM the master, then SIGKILL what is left of its process group."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # workers of a killed master

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """One visitor: a cookie jar, no automatic redirects; answers are (status, body, headers)."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: Mapping[str, str] | None = None
                ) -> tuple[int, str, Mapping[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as answer:
                return answer.status, answer.read().decode(), answer.headers
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace"), error.headers

    def get(self, path: str) -> tuple[int, str, Mapping[str, str]]:
        return self.request(path)

    def csrf(self, path: str) -> str:
        status, html, _headers = self.get(path)
        found = CSRF.search(html)
        if status != 200 or found is None:
            raise RuntimeError(f"no form with a CSRF token on {path} (status {status})")
        return found.group(1) or found.group(2)

    def submit(self, path: str, data: Mapping[str, str], form_page: str | None = None
               ) -> tuple[int, str, Mapping[str, str]]:
        """POST ``data`` with the CSRF token of ``form_page`` (default: ``path``)."""
        return self.request(path, {"csrf_token": self.csrf(form_page or path), **data})

    def login(self, email: str, password: str) -> int:
        return self.submit("/login", {"email": email, "password": password})[0]
