"""Benchmarks: `make bench` (python -m bench [NAME ...]) writes bench/results.json (the figures
issue 7 names) and bench/details.json (everything else the benchmarks report)."""
