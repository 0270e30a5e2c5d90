"""Benchmarks and comparisons of posecoach on the sample clips: accuracy against ground truth,
throughput and memory, the live loop, per-stage CPU, adaptive against full rate, replaying the
session engine, and a long live soak. Each module is a script (see its docstring)."""
