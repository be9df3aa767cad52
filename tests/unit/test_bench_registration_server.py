"""bench.registration_server: which processes a benchmark's server is, and from which tree they run."""

from __future__ import annotations

import os
from pathlib import Path

import bench.registration_server as registration_server
from bench.baseline import BOOTSTRAP, SUBJECT, Tree
from bench.registration_server import Server, default_workers


def server(tmp_path: Path, **options: object) -> Server:
    return Server(tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}", **options)  # type: ignore[arg-type]


def module_of(command: list[str], tree: Tree) -> list[str]:
    """What a command runs: the arguments after the bootstrap and the tree's root."""
    assert command[1:4] == ["-c", BOOTSTRAP, str(tree.root)], command
    return command[4:]


def test_the_baseline_is_its_own_trees_server_in_one_process(tmp_path: Path) -> None:
    old = Tree(tmp_path / "f0b11fe-tree", "f0b11fe")
    launches, health = server(tmp_path, tree=old).plan()
    assert list(launches) == ["registration"]
    command, env, _log = launches["registration"]
    assert module_of(command, old) == ["bench.registration_server"]
    assert env["PYTHONPATH"] == str(old.root)
    assert env["KEPURI_REGISTRATION_DATABASE_URL"].endswith("registration.db")
    assert list(health) == ["registration"]


def test_several_workers_are_the_api_role_beside_the_background_role(tmp_path: Path) -> None:
    subject = server(tmp_path, workers=3, env={"KEPURI_REGISTRATION_DIRECTORY_RATE_BURST": "9"})
    launches, health = subject.plan()
    assert list(launches) == ["background", "registration"]  # the background first
    background, api = launches["background"], launches["registration"]
    assert module_of(background[0], SUBJECT) == ["services.registration", "--role", "background"]
    assert module_of(api[0], SUBJECT) == ["bench.registration_server", "--role", "api", "--workers", "3"]
    port = background[1]["KEPURI_REGISTRATION_BACKGROUND_PORT"]
    assert api[1]["KEPURI_REGISTRATION_BACKGROUND_PORT"] == port
    assert health["background"] == f"http://127.0.0.1:{port}/readyz"
    assert all(env["KEPURI_REGISTRATION_DIRECTORY_RATE_BURST"] == "9" for _c, env, _l in launches.values())


def test_granian_serves_the_same_app_factory_as_the_api_role(tmp_path: Path) -> None:
    launches, _health = server(tmp_path, workers=2, asgi="granian").plan()
    command, env, _log = launches["registration"]
    served = module_of(command, SUBJECT)
    assert served[0] == "granian"
    assert served[-1] == "bench.registration_server:app_factory"
    assert {"--factory", "--interface"} <= set(served)
    assert served[served.index("--workers") + 1] == "2"
    assert env["KEPURI_ROLE"] == "api"
    assert env["KEPURI_WORKERS"] == "2"
    assert registration_server.MULTIPROCESS_DIR in env


def test_workers_default_to_every_core() -> None:
    assert default_workers(0) == os.cpu_count()
    assert default_workers(3) == 3
