"""Benchmark tooling: the synthetic generator (generate_claims), the SQL floor, the naive
baseline and the runner behind `make bench`. Installed as an app only for its command."""
