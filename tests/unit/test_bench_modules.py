"""The benchmarks import cleanly (they are not run by the suite, but must not rot)."""

import importlib
from pathlib import Path

import pytest

BENCH = sorted(p.stem for p in (Path(__file__).parents[2] / "bench").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", BENCH)
def test_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert module.__doc__, f"bench/{name}.py says what it measures"
