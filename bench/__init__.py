"""Benchmarks: `make bench` (python -m bench [NAME ...]) writes bench/results.json."""
