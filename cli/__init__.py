"""The ``kepuri`` command: runs the platform and hosts the operator commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kepuri", description="Kepuri: the National Science Popularization Day platform"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="start the four services in embedded mode (Ctrl-C stops them)")
    up.add_argument(
        "--data-dir", type=Path, help="where the databases and the log live (default: $KEPURI_DATA_DIR or ./data)"
    )
    up.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    up.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API worker processes per service, beside one background process each (default: one per core; "
        "1: each service one process, API and background work together)",
    )

    test = commands.add_parser(
        "test", help="run the linters, the type checker and the whole test suite (extra arguments go to pytest)"
    )
    test.add_argument(
        "--fast",
        action="store_true",
        help="ruff, mypy and only the fast subset (pytest -m fast: unit and contract tests, no PostgreSQL or Kafka)",
    )

    events = commands.add_parser("events", help="write the event JSON Schemas and AsyncAPI document to docs/events")
    events.add_argument("--check", action="store_true", help="only report files that are out of date")

    seed = commands.add_parser("seed", help="configure the campaigns of the source notices in registration's database")
    seed.add_argument("--data-dir", type=Path, help="the data directory, as for `up`")
    seed.add_argument("--update", action="store_true", help="replace campaigns configured differently from their seed")

    staff = commands.add_parser("staff", help="staff accounts (admins and reviewers) and disabling any account")
    actions = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create an account; the password comes from $KEPURI_STAFF_PASSWORD or is asked for"
    )
    create.add_argument("--role", required=True, choices=["admin", "reviewer"])
    create.add_argument("--login", required=True)
    create.add_argument(
        "--level",
        choices=["county", "city", "province", "national"],
        help="a reviewer's level, or a level admin's (province, city)",
    )
    create.add_argument(
        "--jurisdiction",
        help="a reviewer's or level admin's division code; society:, ministry: or unit:<name> for a national body",
    )
    create.add_argument("--phone", help="a mainland mobile that receives password-reset codes")
    create.add_argument("--data-dir", type=Path, help="the data directory, as for `up`")
    for action, what in (
        ("disable", "disable an account (staff or organizer): it cannot log in and its tokens are refused"),
        ("enable", "let a disabled account log in again"),
        ("revoke", "refuse every token the account holds now (it may log in again)"),
    ):
        change = actions.add_parser(action, help=what)
        change.add_argument("--login", required=True, help="the account's login (an organizer's is its contact phone)")
        change.add_argument("--data-dir", type=Path, help="the data directory, as for `up`")

    replay = commands.add_parser(
        "replay", help="drop and rebuild a service's views from the beginning of the streams (the API keeps serving)"
    )
    replay.add_argument("view", choices=["analytics"], help="whose views to rebuild")
    replay.add_argument("--data-dir", type=Path, help="the data directory, as for `up`")
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.add_argument("--batch-size", type=int, default=5000, help="records applied per transaction (default 5000)")

    from .erase import add_parser as add_erase
    from .openapi import add_parser as add_openapi
    from .simulate import add_parser as add_simulate

    add_erase(commands)
    add_openapi(commands)
    add_simulate(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kepuri`` console script."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "up":
        from .up import run_platform

        return run_platform(args.data_dir, args.host, args.workers)
    if args.command == "test":
        from .checks import run_checks, run_fast_checks

        return run_fast_checks(extra) if args.fast else run_checks(extra)
    if args.command == "events":
        from shared.events.schemas import main as events_main

        return events_main(["--check"] if args.check else [])
    if args.command == "seed":
        from .seed import run_seed

        return run_seed(args.data_dir, args.update)
    if args.command == "staff":
        from .staff import run_staff_access, run_staff_create

        if args.action != "create":
            return run_staff_access(args.data_dir, args.action, args.login)
        return run_staff_create(args.data_dir, args.role, args.login, args.level, args.jurisdiction, phone=args.phone)
    if args.command == "replay":
        from .replay import run_replay

        return run_replay(args.view, args.data_dir, args.quiet, args.batch_size)
    if args.command == "erase":
        from .erase import run_erase

        return run_erase(args.data_dir)
    if args.command == "openapi":
        from .openapi import run_openapi
        from .site import PROJECT_ROOT

        return run_openapi(PROJECT_ROOT, args.check)
    if args.command == "simulate":
        from .simulate import run_simulate

        return run_simulate(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
