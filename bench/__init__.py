"""Benchmark harness of the scoring pipeline (`make bench`); see README section "Benchmarks"."""
