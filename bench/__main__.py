"""``python -m bench [--size large] [--pg] [--only FIGURE]``: measure, print the figures, write the results;
``--markdown``: print the README's tables from the saved results."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from bench.database import CACHE
from bench.plan import Plan
from bench.postgres import URL_VARIABLE
from bench.readme import markdown
from bench.report import DEFAULT_CLIENTS, LARGE_CLIENTS, RESULTS, XL_CLIENTS
from bench.runner import FIGURES, run


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text}")
    return int(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--size",
        choices=("default", "large", "xl"),
        default="default",
        help="60,000 or 300,000 clients; xl: 1,000,000 clients and 330 CSMs, on PostgreSQL only",
    )
    parser.add_argument("--clients", type=_positive, help="any other number of clients (overrides --size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", action="store_true", help="also on a throwaway PostgreSQL server, when installed")
    parser.add_argument("--runs", type=_positive, default=Plan.runs, help="timed calls per in-process figure")
    parser.add_argument(
        "--startups",
        type=_positive,
        default=Plan.startups,
        help="start-up rounds (the app, the bare app and the stack alone)",
    )
    parser.add_argument("--moves", type=_positive, default=Plan.moves, help="queue cursor moves over the pty")
    parser.add_argument("--switch-rounds", type=int, default=Plan.switch_rounds, help="rounds of screen switches")
    parser.add_argument("--import-clients", type=_positive, default=Plan.import_clients, help="clients in the file")
    parser.add_argument("--import-days", type=_positive, default=Plan.import_days, help="days of balances per client")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where demo branches are kept")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--only",
        action="append",
        choices=[figure.key for figure in FIGURES],
        metavar="FIGURE",
        help="measure only the probe giving this figure (repeatable); prints it without writing the results",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="measure nothing: print the README's tables from the saved results"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.results.read_text(encoding="utf-8")), FIGURES), end="")
        return
    sizes = {"default": DEFAULT_CLIENTS, "large": LARGE_CLIENTS, "xl": XL_CLIENTS}
    clients = args.clients or sizes[args.size]
    plan = Plan(
        runs=args.runs,
        startups=args.startups,
        moves=args.moves,
        switch_rounds=args.switch_rounds,
        import_clients=args.import_clients,
        import_days=args.import_days,
    )
    if args.size == "xl" and not (args.pg or os.environ.get(URL_VARIABLE)):
        parser.error("--size xl runs on PostgreSQL only: add --pg (or set CSM_BENCH_PG_URL)")
    sqlite = args.size != "xl"  # a region's million clients is a server's work: no SQLite branch is built
    run(clients, args.seed, plan, args.cache, args.results, args.pg, frozenset(args.only or ()), sqlite=sqlite)


if __name__ == "__main__":
    main()
