"""``derive run [DIR]``: the main job.

Derive every rule and prove every step, check every worked example in DIR against
the generated code, and print a summary table. A rule whose proof record is current
(:mod:`derive.records`) is proven by its record: its checks were made from the same
sources. The other rules (every rule with ``--prove``) are proven now in parallel
worker processes, while this process checks the worked examples; one line of
progress per rule either way. A model file in DIR (``model:`` in place of ``rule:``)
is a rule of its own: its derivation is proven as well, and it has its own row,
``name (model)``. Exit 0 when everything holds: every check proven, every worked
example as expected (files marked as deliberate mistakes must show exactly their
expected findings).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from derive import records
from derive.check import files_under
from derive.errors import InputError
from derive.paths import user_path
from derive.registry import get_rule, rules


def add_parser(sub):
    parser = sub.add_parser("run", help="derive and prove every rule, check every worked example",
                            description="The main job: derive every rule, prove every step, "
                                        "check every worked example, print a summary table.")
    parser.add_argument("dir", nargs="?", default="worked_examples",
                        help="folder of worked-example files (default: worked_examples/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes for the proofs (default: one per core)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--prove", action="store_true",
                        help="prove every rule now, not from the proof records (minutes)")
    parser.add_argument("--rule", action="append", metavar="RULE",
                        help="only this rule and its worked examples (repeatable; default: every rule)")
    parser.set_defaults(run=run)


MODEL = " (model)"


def _prove_one(name: str):
    """Worker: prove one rule (or the model of the file ``name (model)`` names), return a small picklable summary."""
    from derive.engine.verify import verify_rule

    started = time.perf_counter()
    if name.endswith(MODEL):
        from derive.model.files import rule_from_file

        try:
            rule = rule_from_file(name[: -len(MODEL)])
        except InputError:
            return name, 0, 0, [], time.perf_counter() - started  # unusable: its check says why
    else:
        rule = get_rule(name)
    report = verify_rule(rule)
    symbolic = sum(1 for c in report.checks if c.proof.ok and c.proof.method == "symbolic")
    failures = [f"{c.describe()}: {c.proof.detail}" for c in report.failures]
    return name, len(report.checks), symbolic, failures, time.perf_counter() - started


def from_record(record):
    """A rule's summary, as :func:`_prove_one` returns it, from its current proof record (no time)."""
    symbolic = sum(1 for c in record.checks if c.ok and c.method == "symbolic")
    failures = [f"{c.describe()}: {c.detail}" for c in record.failures]
    return record.name, len(record.checks), symbolic, failures, None


def prove_all(names, jobs: int, progress, meanwhile=None):
    """Prove ``names`` in ``jobs`` worker processes (the longest first), calling ``progress`` with
    each result as it comes; ``meanwhile()`` runs in this process while the workers prove.
    Returns (the results by name, what ``meanwhile`` returned)."""
    names = sorted(names, key=_cost, reverse=True)  # the longest first, for the workers' sake
    if jobs <= 1 or not names:
        results = {}
        for name in names:
            results[name] = _prove_one(name)
            progress(results[name])
        return results, meanwhile() if meanwhile is not None else None
    with ProcessPoolExecutor(max_workers=min(jobs, len(names))) as pool:
        futures = [pool.submit(_prove_one, name) for name in names]
        for future in futures:
            future.add_done_callback(lambda done: None if done.exception() else progress(done.result()))
        other = meanwhile() if meanwhile is not None else None
        results = {result[0]: result for result in (future.result() for future in futures)}
    return results, other


def _cost(name: str) -> tuple[int, int]:
    """How long proving ``name`` takes, roughly, to start the longest first: a model file before any
    rule (its network unrolled, seconds to a minute), the larger file first; a rule by its number of
    checks when it was last recorded (its record, current or not)."""
    if name.endswith(MODEL):
        return 1, os.path.getsize(name[: -len(MODEL)])
    record = records.load(name)
    return 0, len(record.data["checks"]) if record is not None else 0


def _progress_line(result, done: int, total: int) -> str:
    name, checks, _, failures, seconds = result
    state = "ok" if not failures else f"{len(failures)} FAILED"
    how = "by its proof record" if seconds is None else f"in {seconds:.1f}s"
    return f"[{done}/{total}] {label(name)}: {checks} checks proven {how} ({state})"


def check_examples(directory: Path):
    from derive.check import check_paths

    return check_paths([str(directory)])


def run(args) -> int:
    directory = user_path(args.dir, "DIR")
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder of worked examples (expected a directory of *.yaml files)")
    files_under([directory])  # an empty or unreadable folder is refused before minutes of proving
    current = None if args.prove else records.every_current()
    known = [r.name for r in current] if current is not None else None  # None: the rules themselves
    names = [records.rule_name(name, known) for name in args.rule] if args.rule else list(known or rules())
    recorded = {} if args.prove else {n: r for n in names if (r := records.load(n)) is not None}
    stale = [n for n, r in recorded.items() if not r.current]
    if stale and not args.quiet:
        print(records.stale_note("run", f"{len(stale)} of {len(names)} rules"), file=sys.stderr)
    recorded = {n: r for n, r in recorded.items() if r.current}
    every_model = model_files(directory)  # proof task -> rule name of its reports
    models = {} if args.rule else every_model  # with --rule, the rules named alone
    names += list(models)
    done = []

    def progress(result):
        done.append(result)
        if not args.quiet:
            print(_progress_line(result, len(done), len(names)), file=sys.stderr, flush=True)

    proofs = {}
    for name, record in recorded.items():
        proofs[name] = from_record(record)
        progress(proofs[name])
    # the worked examples are checked here while the workers prove (the model files, stale records)
    proven, checked = prove_all([n for n in names if n not in recorded], max(1, args.jobs), progress,
                                meanwhile=lambda: check_examples(directory))
    proofs.update(proven)
    rule_set = set(known if known is not None else rules())
    # a file of no known rule is unusable, but a model file left out by --rule is not
    reports = [r for r in checked if r.rule in names
               or (r.rule not in rule_set and not (args.rule and r.path + MODEL in every_model))]
    for report in reports:  # a model file's report goes to its own row
        if report.path + MODEL in models:
            report.rule = report.path + MODEL
    print(summary_table(names, proofs, reports))
    failures = [f for n in names for f in proofs[n][3]]
    for failure in failures:
        print(f"NOT PROVEN: {failure}")
    bad_examples = [r for r in reports if not r.as_expected]
    for report in bad_examples:
        print(f"WORKED EXAMPLE NOT AS EXPECTED: {report.path}: {report.explain()}")
    ok = not failures and not bad_examples
    print("\nall rules derived and proven; all worked examples as expected" if ok
          else "\nsome checks failed (see above)")
    return 0 if ok else 1


def model_files(directory: Path) -> dict:
    """The model files under ``directory`` (their proof task names): readable YAML with ``model:``."""
    from derive.check.worked import read_yaml

    found = {}
    for path in files_under([directory]):
        try:
            top = read_yaml(path)
        except InputError:
            continue  # its check reports why
        if isinstance(top, dict) and "model" in top:
            found[str(path) + MODEL] = str(path)
    return found


def label(name: str) -> str:
    """A row's name: the rule's, or the model file's stem and ``(model)``."""
    return Path(name[: -len(MODEL)]).stem + MODEL if name.endswith(MODEL) else name


def summary_table(names, proofs, reports) -> str:
    by_rule: dict[str, list] = {}
    for report in reports:
        by_rule.setdefault(report.rule, []).append(report)
    width = max([len(label(n)) for n in names] + [len("(unusable files)")]) + 1
    header = f"{'rule':<{width}} {'checks':>6} {'symbolic':>8} {'examples':>9} {'mistakes found':>15}  status"
    lines = [header, "-" * len(header)]
    for name in names:
        _, checks, symbolic, failures, _ = proofs[name]
        mine = by_rule.get(name, [])
        plain = [r for r in mine if not r.expects_mistakes]
        planted = [r for r in mine if r.expects_mistakes]
        passed = sum(1 for r in plain if r.as_expected)
        found = sum(1 for r in planted if r.as_expected)
        status = "ok" if not failures and all(r.as_expected for r in mine) else "FAILED"
        lines.append(f"{label(name):<{width}} {checks:>6} {symbolic:>8} {passed:>4}/{len(plain):<4} "
                     f"{found:>7}/{len(planted):<7}  {status}")
    unusable = [r for r in reports if r.rule not in names]
    if unusable:
        lines.append(f"{'(unusable files)':<{width}} {'':>6} {'':>8} {0:>4}/{len(unusable):<4} {'':>15}  FAILED")
    return "\n".join(lines)
