"""Loaded directories for ``bench.directory``: seeded once per tree, kept as templates, copied per server.

Loading 500,000 activities through ``DirectoryProjection.apply`` takes minutes (about 20 s per 20,000
on this 2-core machine, so some 7 minutes), and a run with ``--baseline`` needs two: the registration
schemas of the subject and of f0b11fe differ (later migrations), so neither database can be served by
the other's code, and each tree loads its own with *its own* ``bench.directory_data.Loader``, run in
a process of that tree (``bench.baseline``). The loaders draw the same activities (same seed, same
word lists, same day), which :func:`digest` checks on the columns both schemas share.

A loaded database is kept in ``--cache`` (default ``bench/results/directory/``, not committed) under a
key of the tree's code (the git trees of ``services/``, ``shared/`` and ``bench/directory_data.py``),
the count, the batch and the day in China (the activities held "today" are the ones checked in to);
a tree with uncommitted changes there is loaded afresh and not kept. Each server gets a copy, so a
template is never written to.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from services.registration.domain.campaign import CHINA

from .baseline import Tree, git

DEFAULT_CACHE = Path(__file__).parent / "results" / "directory"
CODE_PATHS = ("services", "shared", "bench/directory_data.py")
# the columns of directory_activities that say which activity is where and when, at f0b11fe and since
SHARED_COLUMNS = (
    "activity_id",
    "region_code",
    "starts_at",
    "ends_at",
    "format",
    "key_activity",
    "latitude",
    "longitude",
    "public",
)

SEED = """
import asyncio, json, sys
from bench.directory_data import Loader
applying, building = asyncio.run(Loader(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])).load())
print(json.dumps({"applying": applying, "building": building}))
"""


@dataclass(frozen=True)
class Seeded:
    """A loaded directory database of one tree, and how long the load took (None: from the cache)."""

    path: Path
    applying_s: float | None = None
    building_s: float | None = None


def code_key(tree: Tree) -> str | None:
    """What the loaded data depends on in ``tree``; None when it has uncommitted changes there."""
    if git(tree.root, "status", "--porcelain", "--", *CODE_PATHS).strip():
        return None
    return ",".join(git(tree.root, "rev-parse", f"HEAD:{path}").strip() for path in CODE_PATHS)


def seeded(tree: Tree, activities: int, batch: int, scratch: Path, cache: Path | None) -> Seeded:
    """A database of ``activities`` loaded by ``tree``'s own loader: from ``cache`` when it holds one
    for the same code, count, batch and day; else loaded now (into the cache when the code is committed)."""
    key = code_key(tree)
    day = datetime.now(CHINA).date().isoformat()
    if cache is not None and key is not None:
        name = hashlib.sha256(f"{key}|{activities}|{batch}|{day}".encode()).hexdigest()[:20]
        kept = cache / f"{name}.db"
        if kept.exists():
            return Seeded(kept)
        cache.mkdir(parents=True, exist_ok=True)
    else:
        kept = None
    target = scratch / f"template-{tree.label}" / "registration.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{target}"
    timing = json.loads(tree.run(SEED, None, url, str(activities), str(batch), quiet=False).splitlines()[-1])
    checkpoint(target)
    if kept is not None:
        partial = kept.with_suffix(".partial")
        shutil.copyfile(target, partial)
        partial.rename(kept)  # only a complete file under the key
        target.unlink()
        target = kept
    return Seeded(target, timing["applying"], timing["building"])


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the database file, so that the file alone is the database."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def copy(template: Path, target: Path) -> Path:
    """A copy of a template for one server to write to."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return target


def digest(path: Path) -> str:
    """A hash of every public activity's identity, place and time (the columns both schemas have)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as connection:  # no -wal, -shm beside it
        present = {row[1] for row in connection.execute("PRAGMA table_info(directory_activities)")}
        columns = ", ".join(c for c in SHARED_COLUMNS if c in present)
        h = hashlib.sha256(columns.encode())
        for row in connection.execute(f"SELECT {columns} FROM directory_activities ORDER BY activity_id"):
            h.update(repr(row).encode())
    connection.close()
    return h.hexdigest()
