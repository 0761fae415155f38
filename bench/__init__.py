"""Performance benchmarks (not part of the product): see docs/benchmarks.md."""
