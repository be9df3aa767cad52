"""Benchmarks of the hot paths, each a ratio against a baseline measured in the same run (DESIGN §8).

Run one with ``python -m bench.<name> [--quick]`` or all with ``python -m bench.run_all``; see
``bench/README.md``. Results and their interpretation are in ``docs/benchmarks.md``.
"""
