"""bench.directory_seed: a directory loaded once per tree's code and day, kept, and copied per server."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.baseline import SUBJECT, Tree
from bench.directory_seed import code_key, copy, digest, seeded


def test_a_load_is_kept_under_its_code_and_reused(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = seeded(SUBJECT, 60, 25, tmp_path / "scratch", cache)
    assert first.applying_s is not None
    assert first.path.parent == cache

    again = seeded(SUBJECT, 60, 25, tmp_path / "scratch", cache)
    assert again.path == first.path
    assert again.applying_s is None  # not loaded again
    other = seeded(SUBJECT, 60, 20, tmp_path / "scratch", cache)
    assert other.path != first.path  # another batch is another key
    # the same activities whatever the batch: what the baseline's load is checked against
    assert digest(other.path) == digest(first.path)

    served = copy(first.path, tmp_path / "server" / "registration.db")
    served.write_bytes(b"written by the server")
    assert digest(first.path) == digest(other.path)  # the template is untouched
    assert sorted(p.name for p in cache.iterdir()) == sorted([first.path.name, other.path.name])


def test_a_tree_with_uncommitted_changes_to_the_loaded_code_has_no_key(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    for path in ("services/x.py", "shared/y.py", "bench/directory_data.py", "web/z.ts"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("one\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-qm", "tree")
    tree = Tree(tmp_path, "scratch")
    key = code_key(tree)
    assert key is not None

    (tmp_path / "web" / "z.ts").write_text("two\n")  # not what the load depends on
    assert code_key(tree) == key
    (tmp_path / "shared" / "y.py").write_text("two\n")
    assert code_key(tree) is None
