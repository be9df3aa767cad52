"""The code a benchmark measures: this checkout (the subject) or an earlier commit (the baseline).

Issue 21's figures are each measured against main at f0b11fe *checked out and run in the same run*.
:func:`checkout` puts that commit in a temporary detached git worktree (removed afterwards, and
``git worktree prune`` run), and a :class:`Tree` launches a module from a source tree with the same
virtualenv's Python.

Why a bootstrap and not ``python -m`` with ``PYTHONPATH``: the project is installed editable
(``pip install -e``, compat mode), which puts the main checkout's directory on ``sys.path`` through
``__editable__.kepuri-*.pth``. A module the tree has would still be found in the tree first, but one
it lacks (``harness`` did not exist at f0b11fe) would be taken silently from the main checkout, and
the baseline would run a mixture. :data:`BOOTSTRAP` therefore changes into the tree, puts it first on
``sys.path`` and removes every *other* Kepuri checkout from it before running the module, so an import
the tree cannot satisfy fails instead. ``multiprocessing``'s spawned children (uvicorn's workers)
inherit that ``sys.path`` and working directory. ``tests/unit/test_bench_baseline.py`` proves it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

BASELINE_COMMIT = "f0b11fe"
ROOT = Path(__file__).resolve().parent.parent

# argv: the tree's root, then a module name or "-c" and code, then the module's or code's arguments
BOOTSTRAP = """\
import os, runpy, sys
root, target = sys.argv[1], sys.argv[2]
def other_checkout(path):
    path = os.path.realpath(path or ".")
    kepuri = os.path.isdir(os.path.join(path, "services")) and os.path.isdir(os.path.join(path, "shared"))
    return kepuri and path != os.path.realpath(root)
os.chdir(root)
sys.path[:] = [root, *(p for p in sys.path[1:] if not other_checkout(p))]
if target == "-c":
    code, sys.argv = sys.argv[3], ["-c", *sys.argv[4:]]
    exec(compile(code, "<tree>", "exec"), {"__name__": "__main__"})
else:
    sys.argv = [target, *sys.argv[3:]]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Tree:
    """A source tree of the project and the name its figures carry (``subject`` or a commit)."""

    root: Path
    label: str

    def command(self, module: str, *args: str) -> list[str]:
        """``python -m module args`` run on this tree's code only (see the module's docstring)."""
        return [sys.executable, "-c", BOOTSTRAP, str(self.root), module, *args]

    def python(self, code: str, *args: str) -> list[str]:
        """``python -c code args`` run on this tree's code only."""
        return [sys.executable, "-c", BOOTSTRAP, str(self.root), "-c", code, *args]

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` for a process of this tree: its root on ``PYTHONPATH`` (for anything it starts itself)."""
        return {**env, "PYTHONPATH": str(self.root)}

    def run(
        self, code: str, env: Mapping[str, str] | None = None, *args: str, quiet: bool = True, timeout: float = 3600.0
    ) -> str:
        """Run ``code`` (with ``args``) on this tree and return what it printed; raise with its error
        output if it fails. ``quiet=False`` lets its error output through (progress of a long run)."""
        done = subprocess.run(
            self.python(code, *args), env=self.env(env if env is not None else os.environ), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if quiet else None, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"{self.label}: {code!r} failed ({done.returncode}):\n{(done.stderr or '')[-4000:]}")
        return done.stdout

    def revision(self) -> str:
        """The commit the tree is at."""
        return git(self.root, "rev-parse", "HEAD").strip()


SUBJECT = Tree(ROOT, "subject")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@contextlib.contextmanager
def checkout(commit: str = BASELINE_COMMIT, repo: Path = ROOT) -> Iterator[Tree]:
    """``commit`` checked out in a temporary detached worktree of ``repo``; removed (and the
    repository's worktree list pruned) when the block ends, however it ends."""
    revision = git(repo, "rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    with terminated_as_exit(), tempfile.TemporaryDirectory(prefix=f"kepuri-baseline-{commit[:12]}-") as scratch:
        path = Path(scratch) / "tree"
        git(repo, "worktree", "add", "--detach", "--quiet", str(path), revision)
        try:
            yield Tree(path, commit)
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                git(repo, "worktree", "remove", "--force", str(path))
            git(repo, "worktree", "prune")


@contextlib.contextmanager
def terminated_as_exit() -> Iterator[None]:
    """While the block runs, SIGTERM (``timeout``, ``kill``) exits through ``SystemExit``, so that the
    cleanups on the way out (the worktree, the servers) run; Python's default would skip them."""
    if (
        signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
