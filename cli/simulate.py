"""``kepuri simulate``: a synthetic national campaign driven through the running services' public APIs.

The work is in the top-level ``simulation`` package (docs/simulation.md); this module turns the
command line into its options.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulation.campaign import Scale
    from simulation.run import OperatorCommands


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="drive a synthetic campaign season through the platform's public APIs, then check invariants",
    )
    where = simulate.add_mutually_exclusive_group()
    where.add_argument("--base-url", help="a running platform (`kepuri up`): host whose ports 8001–8004, 8013 answer")
    where.add_argument("--start", action="store_true", help="start the platform here, in a temporary data directory")
    simulate.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="with --start: `kepuri up --workers N`, API workers per service beside a background process "
        "(default one per core; 1 runs each service as one process)",
    )
    simulate.add_argument("--data-dir", type=Path, help="the platform's data directory (for seed and staff create)")
    simulate.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    simulate.add_argument("--provinces", help="all (default), a count drawn by population, or codes such as 61,44")
    simulate.add_argument("--units", type=int, default=300, help="organizer units (default 300)")
    simulate.add_argument("--activities", type=int, default=1200, help="activities (default 1200)")
    simulate.add_argument(
        "--check-ins",
        type=int,
        help="visitors who check in (default 3000; given with --national, it replaces the visitors)",
    )
    simulate.add_argument(
        "--national",
        type=float,
        metavar="FRACTION",
        help="DESIGN §8's national campaign (60,000 units, 500,000 activities, 1,000,000 visitors) "
        "times FRACTION (1 = the whole; overrides --units and --activities)",
    )
    simulate.add_argument("--reads-per-visit", type=float, default=2.0, help="extra directory searches per visitor")
    simulate.add_argument("--province-quota", type=int, default=3, help="activities each province may recommend")
    simulate.add_argument("--national-quota", type=int, default=5, help="recommendations the nation may endorse")
    simulate.add_argument("--duration", type=float, default=120.0, help="real seconds for the 40-day season")
    simulate.add_argument("--compression", type=float, help="season days per real second (overrides --duration)")
    simulate.add_argument("--rate", type=float, default=5000.0, help="at most this many requests a second")
    simulate.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    simulate.add_argument("--template", default="2024-national", help="the seeded campaign whose lists to use")
    simulate.add_argument("--run-tag", help="makes the campaign id and phones unique (default: the time)")
    simulate.add_argument("--json", type=Path, help="also write the report as JSON here")
    simulate.add_argument("--quiet", action="store_true", help="no progress line")


def run_simulate(args: argparse.Namespace) -> int:
    from simulation.run import Options, main

    try:
        scale = scale_of(args)
        workers = workers_of(args)
    except ValueError as exc:
        print(f"kepuri simulate: {exc}")
        return 2
    options = Options(
        scale=scale,
        compression=args.compression,
        duration=args.duration,
        rate=args.rate,
        concurrency=args.concurrency,
        template=args.template,
        run_tag=args.run_tag,
        quiet=args.quiet,
        workers=workers,
    )
    return main(options, operator_commands(), args.base_url, args.start, args.data_dir, args.json)


def operator_commands() -> OperatorCommands:
    """``kepuri seed`` and ``kepuri staff create`` as the simulation's setup runs them (in this process)."""
    from simulation.run import OperatorCommands

    from .seed import run_seed
    from .staff import PASSWORD_VARIABLE, run_staff_create

    return OperatorCommands(
        seed=lambda data_dir: run_seed(data_dir, False),
        create_staff=lambda data_dir, role, login, level, jurisdiction, password: run_staff_create(
            data_dir, role, login, level, jurisdiction, {PASSWORD_VARIABLE: password}
        ),
    )


def workers_of(args: argparse.Namespace) -> int:
    """How many API workers the platform started here runs per service (``ValueError``: why not)."""
    from .up import default_workers

    if args.workers is None:
        return default_workers() if args.start else 1
    if not args.start:
        raise ValueError("--workers sizes the platform --start starts: a running one was started with its own")
    if args.workers < 1:
        raise ValueError("--workers takes a count of 1 or more")
    return args.workers


def scale_of(args: argparse.Namespace) -> Scale:
    """The campaign's size from the command line (``ValueError`` names what is wrong with it)."""
    from simulation.campaign import Scale, national

    if args.national is not None and not 0 < args.national <= 1:
        raise ValueError("--national takes a fraction in (0, 1]")
    units, activities, visitors = (
        (args.units, args.activities, 3000) if args.national is None else national(args.national)
    )
    if activities < units:
        raise ValueError("every unit registers at least one activity: give --activities ≥ --units")
    return Scale(
        seed=args.seed,
        provinces=args.provinces,
        units=units,
        activities=activities,
        check_ins=visitors if args.check_ins is None else args.check_ins,
        reads_per_visit=args.reads_per_visit,
        province_quota=args.province_quota,
        national_quota=args.national_quota,
    )
