"""Run the benchmarks, print a table and update bench/results.json.

Each benchmark is a module in this package with ``run() -> dict``; figures are medians of
several runs and, where the issue asks, ratios against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")
BENCHMARKS = ("images", "web", "search", "submissions", "clustering")


def _flatten(prefix: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        rows: list[tuple[str, object]] = []
        for key, sub in value.items():
            rows.extend(_flatten(f"{prefix}.{key}" if prefix else key, sub))
        return rows
    return [(prefix, value)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {BENCHMARKS})")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        results[name] = module.run()
        print(f"   done in {time.perf_counter() - started:.1f} s", flush=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for name in names for k, _ in _flatten(name, results[name]))
    for name in names:
        for key, value in _flatten(name, results[name]):
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"{key:<{width}}  {shown}")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
