"""Benchmark harness of the scoring pipeline (`make bench`); see docs/benchmarks.md."""
