"""The directory benchmark's ``--per-query`` mode: each read query timed alone, no HTTP.

``criteria_of`` turns a request path of ``Loader.paths`` into the ``Criteria`` the route would
build; ``per_query`` times ``DirectoryQueries.search`` on them, one call at a time.
"""

from __future__ import annotations

import statistics
import sys
import time
from urllib.parse import parse_qs, urlsplit

from harness.measure import percentile
from services.registration.directory.criteria import Criteria
from services.registration.directory.geo import PRESETS_KM, Circle
from services.registration.directory.queries import DirectoryQueries
from services.registration.directory.search import query_terms
from shared.store import create_engine

from .common import Result
from .directory_data import LABELS


def criteria_of(path: str) -> Criteria:
    """The search a request path of :meth:`Loader.paths` asks for (what the route would build)."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(path).query).items()}
    near = [float(part) for part in query["near"].split(",")] if "near" in query else None
    circle = Circle(near[0], near[1], PRESETS_KM[query["preset"]]) if near else None
    return Criteria(terms=query_terms(query.get("q", "")), region=query.get("region"), near=circle)


async def per_query(database_url: str, paths: dict[str, list[str]], reps: int) -> tuple[list[Result], list[str]]:
    """Each read query alone: milliseconds per ``DirectoryQueries.search``, one call at a time."""
    engine = create_engine(database_url)
    queries, results, notes = DirectoryQueries(engine), [], []
    try:
        for case in ("search", "region", "near"):
            searches = [criteria_of(path) for path in paths[case]]
            for criteria in searches:  # warm-up: the pages these queries read, the connection pool
                await queries.search(criteria)
            times: list[float] = []
            medians, p99s, cpu = [], [], []
            for _ in range(reps):
                rep: list[float] = []
                used = time.process_time()
                for criteria in searches:
                    began = time.perf_counter()
                    await queries.search(criteria)
                    rep.append((time.perf_counter() - began) * 1000)
                cpu.append((time.process_time() - used) * 1000 / len(searches))
                medians.append(statistics.median(rep))
                p99s.append(percentile(rep, 99))
                times += rep
            results.append(Result("directory", f"{LABELS[case]}: one query, p50", "ms", medians))
            results.append(Result("directory", f"{LABELS[case]}: one query, p99", "ms", p99s))
            results.append(Result("directory", f"{LABELS[case]}: CPU per query (all threads)", "ms", cpu))
            notes.append(
                f"{case}: {len(searches)} queries × {reps}: p50 {statistics.median(times):.2f} ms, "
                f"p99 {percentile(times, 99):.2f} ms, max {max(times):.2f} ms, "
                f"CPU {statistics.median(cpu):.2f} ms per query"
            )
            print(notes[-1], file=sys.stderr, flush=True)
    finally:
        await engine.dispose()
    return results, notes
