"""Public pages under load: gunicorn (2 sync workers) on 10,000 ideas, wrk at 32 connections.

Every page's requests/s is divided by /healthz's requests/s measured in the same round, so the
ratio says what the page costs over the bare framework on this (noisy, 2-core) machine. Each
round measures /healthz and then every page once; figures are medians over ``ROUNDS`` rounds,
except ``errors``: non-2xx/3xx responses plus socket errors summed over all rounds.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench._setup import Instance, Server, build_instance, sample

N_IDEAS = 10_000
ROUNDS = 3
DURATION_S = 6
CONNECTIONS = 32
THREADS = 2
IDEA_PAGES = 8  # different ideas, visited round-robin by a wrk Lua script
SEARCH_QUERY = "affordable housing"
SETTLE_S = 1.0
WRK = shutil.which("wrk") or "/usr/bin/wrk"

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


def _wrk(url: str, duration: int, script: Path | None = None) -> dict[str, float]:
    # wrk stops with up to CONNECTIONS requests still queued at the sync workers; let them
    # finish, or the slow page before would be charged to this run's rps and p99.
    time.sleep(SETTLE_S)
    command = [WRK, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency",
               "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                         timeout=duration + 60).stdout
    return parse_wrk(out)


def _warm(url: str, times: int = 4) -> None:
    for _ in range(times):
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")


def _targets(instance: Instance, folder: Path) -> dict[str, tuple[str, Path | None]]:
    """Page name -> (path, optional wrk script that overrides the path)."""
    slug = instance.slug
    ids = sample(instance.idea_ids, IDEA_PAGES)
    script = _paths_script(folder, [f"/c/{slug}/ideas/{i}" for i in ids])
    query = urllib.parse.quote_plus(SEARCH_QUERY)
    return {
        "challenge_page": (f"/c/{slug}", None),
        "gallery_page": (f"/c/{slug}/ideas", None),
        "idea_page": (f"/c/{slug}/ideas/{ids[0]}", script),
        "search_page": (f"/c/{slug}/ideas?q={query}", None),
    }


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        instance = build_instance(folder / "instance", N_IDEAS)
        targets = _targets(instance, folder)
        rounds: list[dict[str, dict[str, float]]] = []
        with Server(instance) as server:
            for path, script in targets.values():
                _warm(server.base + path)
                if script is not None:  # every idea the script visits
                    for idea_path in re.findall(r'"(/[^"]+)"', script.read_text()):
                        _warm(server.base + idea_path, times=2)
            _wrk(server.base + "/healthz", 2)  # warm up the connection handling
            for _ in range(ROUNDS):
                measured = {"healthz": _wrk(server.base + "/healthz", DURATION_S)}
                for name, (path, script) in targets.items():
                    measured[name] = _wrk(server.base + path, DURATION_S, script)
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
    result["config"] = {"ideas": N_IDEAS, "workers": 2, "connections": CONNECTIONS,
                        "duration_s": DURATION_S, "rounds": ROUNDS, "query": SEARCH_QUERY}
    return result
