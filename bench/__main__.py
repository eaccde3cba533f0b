"""python -m bench: seed, serve with gunicorn, measure, print the table, write results.json."""

import argparse
import signal
import sys
from datetime import UTC, datetime

from . import report
from .run import SMALL, Run, Settings


def parse(argv):
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--customers", type=int, default=defaults.customers,
                        help="customers to seed (default %(default)s)")
    parser.add_argument("--workers", type=int, default=defaults.workers,
                        help="gunicorn workers for the all-workers phases (default: CPUs, "
                             "%(default)s)")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="threads per gunicorn worker (default %(default)s; 1 handles one"
                             " request at a time, as the sync workers of `make serve`)")
    parser.add_argument("--clients", type=int, default=defaults.clients,
                        help="concurrent keep-alive clients of the load process (default "
                             "%(default)s)")
    parser.add_argument("--seconds", type=float, default=defaults.seconds,
                        help="measured seconds per load phase (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=defaults.warmup,
                        help="warm-up seconds before each measured phase (default %(default)s)")
    parser.add_argument("--output", default=str(report.RESULTS),
                        help="where to write the figures (default bench/results.json)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (and PostgreSQL schema) for inspection")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 2 when a target is missed")
    args = parser.parse_args(argv)
    if args.customers <= SMALL:
        parser.error(f"--customers must be more than {SMALL:,}: the small table has {SMALL:,}")
    if min(args.workers, args.threads, args.clients) < 1 or args.seconds <= 0:
        parser.error("--workers, --threads, --clients and --seconds must be positive")
    return args


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the clean-up of servers and temp files


def main(argv=None):
    args = parse(argv)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    settings = Settings(customers=args.customers, workers=args.workers, threads=args.threads,
                        clients=args.clients, seconds=args.seconds, warmup=args.warmup,
                        keep=args.keep)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        results = Run(settings)()
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temp files removed", file=sys.stderr)
        return 130
    results["started_at"] = started
    results["machine"] = report.machine()
    previous = report.load_previous(args.output)
    print(report.table(results, previous))
    report.write(results, args.output)
    print(f"figures written to {args.output}")
    if results["errors"]:
        return 1
    if args.check and not all(met for _op, _goal, met in report.verdicts(results).values()):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
