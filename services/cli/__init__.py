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

    commands.add_parser(
        "test", help="run the linters, the type checker and the whole test suite (extra arguments go to pytest)"
    )

    events = commands.add_parser("events", help="write the event JSON Schemas and AsyncAPI document to docs/events")
    events.add_argument("--check", action="store_true", help="only report files that are out of date")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kepuri`` console script."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "up":
        from .up import run_platform

        return run_platform(args.data_dir, args.host)
    if args.command == "test":
        from .checks import run_checks

        return run_checks(extra)
    if args.command == "events":
        from shared.events.schemas import main as events_main

        return events_main(["--check"] if args.check else [])
    return 2


if __name__ == "__main__":
    sys.exit(main())
