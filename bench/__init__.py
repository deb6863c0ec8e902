"""Benchmark scripts: each prints Markdown tables; see docs/benchmarks.md."""
