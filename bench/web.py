"""Pages under load: gunicorn (2 sync workers) on 10,000 ideas, wrk at 32 connections.

On SQLite with the Whoosh index (``make bench``: ``web``), and the same pages on a fresh
PostgreSQL schema with its full-text search (`bench.postgres` runs ``run(database_url)``:
``postgres.web``); one host either way, so no Redis.

Every page's requests/s is divided by /healthz's requests/s measured in the same round, so the
ratio says what the page costs over the bare framework on this (noisy, 2-core) machine. Each
round measures /healthz and then every page once; figures are medians over ``ROUNDS`` rounds,
except ``errors``: non-2xx/3xx responses plus socket errors summed over all rounds.

The pages, all of the one 10,000-idea challenge, which `bench.progress_data` takes on to its
prototype phase (so the challenge page also lists its concept and prototype):

* ``challenge_page``, ``gallery_page``, ``idea_page`` (8 ideas in turn), ``search_page``:
  anonymous visitors, as before.
* ``concept_page``: the public page of a published concept that grew from 3 published,
  shortlisted clusters of 300 ideas each (its first page of ideas); anonymous.
* ``prototype_page``: the public page of that concept's prototype: version 2 of 2, the lineage
  ("grew from 900 ideas in 3 clusters") and the decision on round 1 with its answers to the
  minority concerns; anonymous.
* ``results_page``: the results of round 1 (closed, decided; 2,000 responses from 2,400
  invitations over 5 stakeholder groups, 8 questions of every kind) for the core team.
* ``decision_page``: the minority report and the decision form of round 2 (version 2, the
  same size, closed and not decided yet) for the core team.

The core team's pages are requested as a core-team member who logged in through the real login
form (CSRF token included): wrk sends that session cookie (and the login's User-Agent). Before
measuring, every page is requested a few times and must answer 200 and show what only that
page shows (its data; the decision form for the core team): a redirect to the login page fails
the run.
"""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import NamedTuple

from bench import progress_data
from bench._setup import Instance, Server, build_instance, sample
from bench.progress_data import Progress, build_progress

N_IDEAS = 10_000
ROUNDS = 3
DURATION_S = 5  # 9 pages x 3 rounds: about 4 minutes in all, with the set-up
CONNECTIONS = 32
THREADS = 2
IDEA_PAGES = 8  # different ideas, visited round-robin by a wrk Lua script
SEARCH_QUERY = "affordable housing"
SETTLE_S = 1.0
WRK = shutil.which("wrk") or "/usr/bin/wrk"
USER_AGENT = "bench-web"  # the same at login and under wrk, so the session stays fresh

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/sec, p50/p99 latency (ms) and errors (non-2xx/3xx plus socket errors)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if rps is None or p50 is None or p99 is None:
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": float(rps.group(1)), "p50_ms": _ms(p50.group(1)),
            "p99_ms": _ms(p99.group(1)), "errors": errors}


def _paths_script(folder: Path, paths: list[str]) -> Path:
    """A wrk Lua script that requests ``paths`` round-robin."""
    listed = ", ".join(f'"{p}"' for p in paths)
    script = folder / "paths.lua"
    script.write_text(
        f"local paths = {{{listed}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  return wrk.format(\"GET\", paths[(i % #paths) + 1])\n"
        "end\n")
    return script


def _settle(url: str) -> None:
    """Wait until the workers have answered what the previous wrk run left queued.

    wrk stops with up to CONNECTIONS requests still queued at the sync workers; they must
    finish, or the page before would be charged to this run's rps and p99. A /healthz request
    queues behind them, so its answer means all of them were taken up; the pause lets the
    last one finish. (A fixed pause was enough for the pages of the ideas phase, not for pages
    of 50-100 ms, whose queue takes seconds.)
    """
    health = f"http://{urllib.parse.urlsplit(url).netloc}/healthz"  # always 127.0.0.1
    with urllib.request.urlopen(health, timeout=120) as response:  # noqa: S310
        response.read()
    time.sleep(SETTLE_S)


def _wrk(
    url: str, duration: int, script: Path | None = None, headers: dict[str, str] | None = None
) -> dict[str, float]:
    _settle(url)
    command = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency",
               "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                         timeout=duration + 60).stdout
    return parse_wrk(out)


class Target(NamedTuple):
    path: str
    script: Path | None = None  # a wrk script that overrides the path
    headers: dict[str, str] | None = None  # the core team's session cookie
    shows: tuple[str, ...] = ()  # texts the page must contain (checked while warming up)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect (to the login page) is an error here, not a page


def _warm(
    url: str, times: int = 4, headers: dict[str, str] | None = None, shows: tuple[str, ...] = ()
) -> None:
    opener = urllib.request.build_opener(_NoRedirect())
    for _ in range(times):
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1
        try:
            with opener.open(request, timeout=30) as response:
                body = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            status, body = error.code, ""
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        missing = [text for text in shows if text not in body]
        if missing:
            raise RuntimeError(f"{url} does not show {missing}")


def _login(base: str, email: str, password: str) -> dict[str, str]:
    """Log in through the real form (CSRF token included); the headers wrk then sends."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(base + "/login", timeout=30) as response:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    if match is None:
        raise RuntimeError("no CSRF token on /login")
    form = {"csrf_token": match.group(1), "email": email, "password": password}
    data = urllib.parse.urlencode(form).encode()
    try:
        with opener.open(base + "/login", data=data, timeout=30) as response:
            status = response.status  # 200 is the form again: the login was refused
    except urllib.error.HTTPError as error:  # a redirect, as after a login
        error.read()
        status = error.code
    session = next((c.value for c in jar if c.name == "session"), None)
    if status != 302 or session is None:
        raise RuntimeError(f"logging in as {email} failed (status {status})")
    return {"Cookie": f"session={session}", "User-Agent": USER_AGENT}


def _targets(instance: Instance, folder: Path) -> dict[str, Target]:
    """The public pages of the ideas phase, by name."""
    slug = instance.slug
    ids = sample(instance.idea_ids, IDEA_PAGES)
    script = _paths_script(folder, [f"/c/{slug}/ideas/{i}" for i in ids])
    query = urllib.parse.quote_plus(SEARCH_QUERY)
    return {
        "challenge_page": Target(f"/c/{slug}"),
        "gallery_page": Target(f"/c/{slug}/ideas"),
        "idea_page": Target(f"/c/{slug}/ideas/{ids[0]}", script),
        "search_page": Target(f"/c/{slug}/ideas?q={query}"),
    }


def _later_targets(
    instance: Instance, progress: Progress, core: dict[str, str]
) -> dict[str, Target]:
    """The concept and prototype pages (anonymous) and the round pages (core team)."""
    slug = instance.slug
    ideas = f"{progress.config['concept_ideas']}"
    return {
        "concept_page": Target(
            f"/c/{slug}/concepts/{progress.concept_id}",
            shows=(progress_data.CONCEPT[0], progress_data.CLUSTERS[0][0], ideas),
        ),
        "prototype_page": Target(
            f"/c/{slug}/prototypes/{progress.prototype_id}",
            shows=(progress_data.PROTOTYPE_TITLE, progress_data.DECISION, ideas),
        ),
        "results_page": Target(
            f"/c/{slug}/rounds/{progress.results_round_id}/results",
            headers=core,
            shows=(progress_data.QUESTIONS[0][1], progress_data.QUESTIONS[-1][1]),
        ),
        "decision_page": Target(
            f"/c/{slug}/rounds/{progress.decision_round_id}/decision",
            headers=core,
            shows=('name="rationale"', progress_data.LAWYER_OBJECTIONS[0]),
        ),
    }


def run(database_url: str | None = None) -> dict:
    """The pages on SQLite, or on the (empty) PostgreSQL schema of ``database_url``."""
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        instance = build_instance(folder / "instance", N_IDEAS, database_url=database_url)
        started = time.perf_counter()
        progress = build_progress(instance)
        instance.analyze()
        seconds = time.perf_counter() - started
        print(f"   concept, prototype and rounds built in {seconds:.1f} s", flush=True)
        targets = _targets(instance, folder)
        rounds: list[dict[str, dict[str, float]]] = []
        with Server(instance) as server:
            core = _login(server.base, progress.core_email, progress.core_password)
            targets.update(_later_targets(instance, progress, core))
            for target in targets.values():
                _warm(server.base + target.path, headers=target.headers, shows=target.shows)
                if target.script is not None:  # every idea the script visits
                    for idea_path in re.findall(r'"(/[^"]+)"', target.script.read_text()):
                        _warm(server.base + idea_path, times=2)
            _wrk(server.base + "/healthz", 2)  # warm up the connection handling
            for _ in range(ROUNDS):
                measured = {"healthz": _wrk(server.base + "/healthz", DURATION_S)}
                for name, target in targets.items():
                    measured[name] = _wrk(
                        server.base + target.path, DURATION_S, target.script, target.headers
                    )
                rounds.append(measured)
    result: dict[str, dict[str, float]] = {}
    for name in ("healthz", *targets):
        figures = {key: statistics.median(r[name][key] for r in rounds)
                   for key in ("rps", "p50_ms", "p99_ms", "errors")}
        entry = {key: round(value, 1) for key, value in figures.items()}
        entry["errors"] = int(sum(r[name]["errors"] for r in rounds))
        if name != "healthz":
            entry["rps_ratio_to_healthz"] = round(statistics.median(
                r[name]["rps"] / r["healthz"]["rps"] for r in rounds), 3)
        result[name] = entry
    result["config"] = {"database": "postgresql" if database_url else "sqlite",
                        "ideas": N_IDEAS, "workers": 2, "connections": CONNECTIONS,
                        "duration_s": DURATION_S, "rounds": ROUNDS, "query": SEARCH_QUERY,
                        **progress.config}
    return result
