"""``python -m derive.records [--jobs N] [--rule RULE ...] [--check]``: prove every rule and
rewrite its record (:mod:`derive.records`), in parallel worker processes, one line of progress
each on standard error. ``--check`` writes nothing: it lists the records that are not current
(exit 1 if any). Exit 1 also when a check of a rule is not proven (its record says so)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from derive import records
from derive.errors import DeriveError


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m derive.records", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per core)")
    parser.add_argument("--rule", action="append", metavar="RULE", help="only this rule (repeatable)")
    parser.add_argument("--check", action="store_true", help="write nothing; list the records that are not current")
    return parser.parse_args(argv)


def _cost(name: str) -> int:
    """Longest first, for the workers' sake: a rule's number of checks when it was last recorded."""
    record = records.load(name)
    return len(record.data["checks"]) if record is not None else 0


def _proven(names, jobs):
    """Yield (name, record text, seconds) as each rule is proven."""
    from derive.records.build import prove

    if jobs <= 1:
        yield from map(prove, names)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for future in as_completed([pool.submit(prove, name) for name in names]):
            yield future.result()


def main(argv=None) -> int:
    args = _arguments(argv)
    from derive.registry import get_rule, rules

    try:
        names = [get_rule(name, field="--rule").name for name in args.rule] if args.rule else list(rules())
    except DeriveError as error:
        print(f"python -m derive.records: {error}", file=sys.stderr)
        return error.exit_code
    if args.check:
        stale = [name for name in names if records.current(name) is None]
        for name in stale:
            print(f"not current: {records.path_of(name)}")
        return 1 if stale else 0
    started = time.perf_counter()
    failed = []
    for done, (name, text, seconds) in enumerate(_proven(sorted(names, key=_cost, reverse=True), max(1, args.jobs)), 1):
        path = records.path_of(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            partial = path.with_suffix(".json.partial")  # a reader never sees half a record
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
        ok = records.load(name).ok
        failed += [] if ok else [name]
        print(f"[{done}/{len(names)}] {name}: proven in {seconds:.1f}s ({'ok' if ok else 'NOT PROVEN'})",
              file=sys.stderr, flush=True)
    if not args.rule:  # the records of rules that are gone
        for path in records.FOLDER.glob("*.json"):
            if path.stem not in names:
                path.unlink()
                print(f"removed {path}", file=sys.stderr)
    print(f"wrote {len(names)} records to {records.FOLDER} in {time.perf_counter() - started:.0f}s"
          + (f"; not proven: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
