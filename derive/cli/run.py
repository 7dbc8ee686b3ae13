"""``derive run [DIR]``: the main job.

Derive every rule and prove every step (rules run in parallel worker processes,
one line of progress each), then check every worked example in DIR against the
generated code, and print a summary table. A model file in DIR (``model:`` in
place of ``rule:``) is a rule of its own: its derivation is proven as well, and
it has its own row, ``name (model)``. Exit 0 when everything holds: every
check proven, every worked example as expected (files marked as deliberate
mistakes must show exactly their expected findings).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

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
    parser.add_argument("--rule", action="append", metavar="RULE",
                        help="only this rule and its worked examples (repeatable; default: every rule)")
    parser.set_defaults(run=run)


MODEL = " (model)"


def _prove_one(name: str):
    """Worker: prove one rule (or the model of the file ``name (model)`` names), return a small picklable summary."""
    from derive.engine.verify import verify_rule
    from derive.registry import rules as all_rules

    started = time.perf_counter()
    if name.endswith(MODEL):
        from derive.model.files import rule_from_file

        try:
            rule = rule_from_file(name[: -len(MODEL)])
        except InputError:
            return name, 0, 0, [], time.perf_counter() - started  # unusable: its check says why
    else:
        rule = all_rules()[name]
    report = verify_rule(rule)
    symbolic = sum(1 for c in report.checks if c.proof.ok and c.proof.method == "symbolic")
    failures = [f"{c.describe()}: {c.proof.detail}" for c in report.failures]
    return name, len(report.checks), symbolic, failures, time.perf_counter() - started


def prove_all(names, jobs: int, progress) -> dict:
    results = {}
    if jobs <= 1:
        for name in names:
            results[name] = _prove_one(name)
            progress(results[name])
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_prove_one, name) for name in names]
        for future in as_completed(futures):
            result = future.result()
            results[result[0]] = result
            progress(result)
    return results


def _progress_line(result, done: int, total: int) -> str:
    name, checks, symbolic, failures, seconds = result
    state = "ok" if not failures else f"{len(failures)} FAILED"
    return f"[{done}/{total}] {label(name)}: {checks} checks proven in {seconds:.1f}s ({state})"


def check_examples(directory: Path):
    from derive.check import check_paths

    return check_paths([str(directory)])


def run(args) -> int:
    directory = user_path(args.dir, "DIR")
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder of worked examples (expected a directory of *.yaml files)")
    files_under([directory])  # an empty or unreadable folder is refused before minutes of proving
    names = [get_rule(name).name for name in args.rule] if args.rule else list(rules())
    models = {} if args.rule else model_files(directory)  # proof task -> rule name of its reports
    names += list(models)
    done = []

    def progress(result):
        done.append(result)
        if not args.quiet:
            print(_progress_line(result, len(done), len(names)), file=sys.stderr, flush=True)

    proofs = prove_all(names, max(1, args.jobs), progress)
    reports = [r for r in check_examples(directory) if r.rule in names or r.rule not in rules()]
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
