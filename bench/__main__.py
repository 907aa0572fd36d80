"""Run the benchmarks, print a table and update bench/results.json and bench/details.json.

Each benchmark is a module in this package with ``run() -> dict``; figures are medians of
several runs and, where the issue asks, ratios against a baseline measured in the same run.

``results.json`` holds exactly the figures issue 7 names (`RESULT_KEYS`; the pages of the later
capabilities in ``web`` take the same five figures as the pages it names), all numbers.
Everything else a benchmark reports (how it was configured, the baselines' own figures, the
one-process reindex rate, ...) goes to ``details.json``, under the same names.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")
DETAILS = Path(__file__).with_name("details.json")
BENCHMARKS = ("images", "web", "search", "submissions", "clustering", "board", "agenda",
              "sessions", "postgres", "two_hosts")

PAGE = ("rps", "p50_ms", "p99_ms", "errors", "rps_ratio_to_healthz")
WEB_PAGES = ("challenge_page", "gallery_page", "idea_page", "search_page",
             # the later capabilities (issue 7: "extend it as later capabilities land")
             "concept_page", "prototype_page", "results_page", "decision_page")
SEARCH_SIZE = ("p50_ms", "p95_ms", "fts5_p95_ms", "ratio_to_fts5")
CLUSTER_SET = ("acc", "nmi", "seconds", "baseline_acc", "baseline_nmi", "previous_acc",
               "previous_nmi", "gsdmm_acc", "gsdmm_nmi", "gsdmm_seconds")
AUTO = ("fine_acc", "fine_nmi", "fine_groups", "top_acc", "top_nmi", "themes", "seconds")
HELDOUT_SET = ("k", "acc", "nmi", "previous_acc")
SUBMISSIONS = ("per_s", "errors", "lost", "ratio_to_raw_insert")
# A tuple lists leaf keys; a dict maps keys to their own spec; None keeps the value as it is.
RESULT_KEYS: dict[str, Any] = {
    "web": dict.fromkeys(WEB_PAGES, PAGE),
    "search": {"10k": SEARCH_SIZE, "100k": SEARCH_SIZE, "index_docs_per_s": None},
    "clustering": {
        **{name: {**dict.fromkeys(CLUSTER_SET), "auto": AUTO}
           for name in ("StackOverflow", "SearchSnippets", "Biomedical")},
        "auto": {name: ("fine_nmi", "k_given_nmi", "fine_nmi_gap", "top_acc", "top_acc_target")
                 for name in ("StackOverflow", "SearchSnippets", "Biomedical")},
        "heldout": {name: {**dict.fromkeys(HELDOUT_SET), "auto": AUTO}
                    for name in ("googlenews_TS", "tweet")},
        "seconds_20k": None, "seconds_20k_k20": None, "end_to_end_20k": None},
    "board": {"board_2000": ("p50_ms", "p99_ms")},
    "agenda": ("page_p50_ms", "page_p99_ms", "uncached_p50_ms", "pdf_seconds"),
    "submissions": SUBMISSIONS,
    "images": ("ms", "peak_mb", "naive_ms"),
    "sessions": ("rps", "p50_ms", "p99_ms", "errors", "lost"),
    # On PostgreSQL (issue 19), when it answers: full-text search at 100,000 ideas, and the
    # web and submission benchmarks with the same figures as on SQLite.
    "postgres": {"search_100k": ("p50_ms", "p95_ms", "whoosh_p95_ms", "fts5_p95_ms",
                                 "ratio_to_whoosh", "ratio_to_fts5"),
                 "index_docs_per_s": None,
                 "web": dict.fromkeys(WEB_PAGES, PAGE),
                 "submissions": SUBMISSIONS},
    # Two gunicorn hosts on one PostgreSQL and one Redis (issue 19), when both answer.
    "two_hosts": {**dict.fromkeys(("gallery_page", "idea_page", "search_page"),
                                  ("rps", "p99_ms", "errors", "rps_ratio_to_healthz")),
                  "healthz_rps": None,
                  "submissions": ("per_s", "errors", "lost")},
}


def split(name: str, value: dict[str, Any], spec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the keys ``spec`` names, the rest) of one benchmark's figures; raises ValueError when a
    named figure is missing or not a number."""
    kept: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    keys = spec if isinstance(spec, dict) else dict.fromkeys(spec)
    for key, sub in keys.items():
        if key not in value:
            raise ValueError(f"{name}: no figure {key!r}")
        if sub is None:
            if isinstance(value[key], bool) or not isinstance(value[key], int | float):
                raise ValueError(f"{name}.{key} is not a number: {value[key]!r}")
            kept[key] = value[key]
        else:
            kept[key], inner = split(f"{name}.{key}", value[key], sub)
            if inner:
                rest[key] = inner
    for key, other in value.items():
        if key not in keys:
            rest[key] = other
    return kept, rest


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        rows: list[tuple[str, object]] = []
        for key, sub in value.items():
            rows.extend(_flatten(f"{prefix}.{key}" if prefix else key, sub))
        return rows
    return [(prefix, value)]


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {BENCHMARKS})")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    results, details = _load(RESULTS), _load(DETAILS)
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        figures = module.run()
        if "skipped" in figures:  # a service it needs does not answer: keep the last figures
            print(f"   skipped: {figures['skipped']}", flush=True)
            names = [other for other in names if other != name]
            continue
        results[name], details[name] = split(name, figures, RESULT_KEYS[name])
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    _write(RESULTS, results)
    _write(DETAILS, details)
    rows = [(key, value, "") for name in names for key, value in _flatten(name, results[name])]
    rows += [(key, value, "  (details)") for name in names
             for key, value in _flatten(name, details[name])]
    width = max(len(key) for key, _, _ in rows)
    for key, value, where in rows:
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"{key:<{width}}  {shown}{where}")
    print(f"written to {RESULTS} and {DETAILS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
