"""bench.baseline: a commit checked out into a temporary worktree, and its code (only its code) run.

Real git on this repository; each test takes a second or two.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bench.baseline import BASELINE_COMMIT, ROOT, SUBJECT, Tree, checkout, git

# what a process reports about the code it runs
PROBE = """
import importlib.util, json, os, sys
import bench, services, shared
print(json.dumps({
    "cwd": os.getcwd(),
    "files": [services.__file__, shared.__file__, bench.__file__],
    "harness": importlib.util.find_spec("harness") is not None,
    "argv": sys.argv[1:],
}))
"""


def probe(tree: Tree, *args: str) -> dict[str, object]:
    done = subprocess.run(tree.python(PROBE, *args), env=tree.env(os.environ), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def worktrees() -> str:
    return git(ROOT, "worktree", "list", "--porcelain")


def test_the_baseline_process_imports_the_baseline_trees_code_only() -> None:
    with checkout() as tree:
        root = tree.root.resolve()
        assert tree.revision().startswith(git(ROOT, "rev-parse", BASELINE_COMMIT).strip())
        assert str(tree.root) in worktrees()
        seen = probe(tree, "--flag", "x")
        assert Path(str(seen["cwd"])).resolve() == root
        assert all(Path(f).resolve().is_relative_to(root) for f in seen["files"]), seen  # type: ignore[attr-defined]
        # harness/ came after f0b11fe: it must not be found in the checkout that pip installed editable
        assert seen["harness"] is False
        assert seen["argv"] == ["--flag", "x"]
    assert not tree.root.exists()
    assert str(tree.root) not in worktrees()


def test_a_module_of_the_tree_runs_as_main_with_its_arguments(tmp_path: Path) -> None:
    package = tmp_path / "probe_pkg"
    (tmp_path / "services").mkdir()
    (tmp_path / "shared").mkdir()
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("import sys, os\nprint(__name__, os.getcwd(), *sys.argv[1:])\n")
    tree = Tree(tmp_path, "scratch")
    done = subprocess.run(tree.command("probe_pkg", "a", "b"), capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["__main__", str(tmp_path), "a", "b"]


def test_the_subject_runs_this_checkouts_code() -> None:
    seen = probe(SUBJECT)
    assert all(Path(f).resolve().is_relative_to(ROOT) for f in seen["files"]), seen  # type: ignore[attr-defined]


def test_without_the_bootstrap_a_module_missing_from_the_tree_comes_from_the_editable_install() -> None:
    """Why the bootstrap exists: with only the tree on PYTHONPATH, the editable install fills the gaps."""
    with checkout() as tree:
        code = "import importlib.util; print(importlib.util.find_spec('harness') is not None)"
        plain = subprocess.run(
            [sys.executable, "-c", code], cwd=tree.root, env={**os.environ, "PYTHONPATH": str(tree.root)},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert plain.stdout.strip() == "True"
        assert tree.run(code).strip() == "False"


def test_the_worktree_is_removed_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), checkout() as tree:
        raise RuntimeError(str(tree.root))
    assert not tree.root.exists()
    assert str(tree.root) not in worktrees()


def test_a_benchmark_stopped_by_sigterm_removes_its_worktree() -> None:
    code = (
        "import sys, threading\nfrom bench.baseline import checkout\n"
        "with checkout() as tree:\n    print(tree.root, flush=True)\n    threading.Event().wait()\n"
    )
    child = subprocess.Popen(SUBJECT.python(code), env=SUBJECT.env(os.environ), stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    root = Path(child.stdout.readline().strip())
    assert root.exists()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert not root.exists()
    assert str(root) not in worktrees()
