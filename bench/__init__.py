"""Benchmarks, run by `make bench` (never by `make test`). Each prints its figure beside a
baseline measured in the same run, as a ratio."""
