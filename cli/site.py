"""The site (web/): install its pinned packages and build it into web/dist when its sources changed.

``kepuri up`` serves web/dist through the proxy and calls :func:`build_site` first; ``kepuri test``
and the tests of tests/web call :func:`install_dependencies`. Each step leaves a stamp, a digest
of what it was made from: ``npm ci`` runs only when package.json or package-lock.json (or Node's
version) changed since the last install, ``npm run build`` only when a source of the site changed
since the last build, so a second ``kepuri up`` starts at once.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .output import say

# the checkout this module belongs to (cli/site.py -> the project root)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
INSTALL_STAMP = "node_modules/.kepuri-install"
BUILD_STAMP = "dist/.kepuri-stamp"
# what is made from the sources (or is not a source of the site), never an input of the build
NOT_SOURCES = {"node_modules", "dist", "coverage", ".vite", ".vitest"}


class SiteError(RuntimeError):
    """Node.js or npm is missing, or one of npm's steps failed."""


def _digest(files: Iterable[Path], base: Path, extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(base)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _node_version() -> str:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SiteError(
            "the site needs Node.js (20.19 or newer) and npm: install them, e.g. `apt-get install nodejs npm`"
        )
    return subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _stamp_matches(path: Path, want: str) -> bool:
    try:
        return path.read_text().strip() == want
    except OSError:
        return False


def _npm(web: Path, *arguments: str) -> None:
    say(f"kepuri: web: npm {' '.join(arguments)}")
    if subprocess.call(["npm", *arguments], cwd=web) != 0:
        raise SiteError(f"`npm {' '.join(arguments)}` failed in {web}")


def install_dependencies(root: Path) -> bool:
    """Run ``npm ci`` in ``root``/web unless the installed packages match the lock; True if it ran."""
    web = root / "web"
    want = _digest([web / "package.json", web / "package-lock.json"], web, _node_version())
    stamp = web / INSTALL_STAMP
    if (web / "node_modules").is_dir() and _stamp_matches(stamp, want):
        return False
    _npm(web, "ci", "--no-audit", "--no-fund", "--loglevel=error")
    stamp.write_text(want + "\n")
    return True


def source_files(web: Path) -> list[Path]:
    """Every file the build is made from: all of web/ but its packages, its output and caches."""
    files: list[Path] = []
    for path in web.iterdir():
        if path.name in NOT_SOURCES:
            continue
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            files.append(path)
    return files


def check_site(root: Path) -> bool:
    """``kepuri test``'s web step: install when needed, then the type check and the Vitest tests."""
    web = root / "web"
    try:
        install_dependencies(root)
        _npm(web, "run", "--silent", "typecheck")
        _npm(web, "test", "--silent")
    except SiteError as exc:
        say(f"kepuri test: {exc}")
        return False
    return True


def build_site(root: Path) -> Path:
    """Install when needed, build web/dist when any source changed since the last build; return web/dist."""
    web = root / "web"
    installed = install_dependencies(root)
    dist = web / "dist"
    want = _digest(source_files(web), web, _node_version())
    stamp = web / BUILD_STAMP
    if not installed and (dist / "index.html").is_file() and _stamp_matches(stamp, want):
        say("kepuri: web: the site is up to date")
        return dist
    say("kepuri: web: building the site")
    _npm(web, "run", "--silent", "build")
    stamp.write_text(want + "\n")
    return dist
