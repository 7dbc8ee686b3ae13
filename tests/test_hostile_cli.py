r"""Hostile arguments to every verb: formulas, points, names, paths and flags, each case judged by
:func:`hostile.harness.judge` (no traceback, exit 0/1/2, one line for exit 2, strict JSON with
``--json``, within its CPU budget) and by what the payload's family demands:

* trailing or leading garbage (``\hat{y}_j - y_j . + 100``): refused, exit 2, never judged;
* NaN and infinities (in a formula or in ``--at``): refused or reported, never judged equal;
* code (``__import__('os')...``, ``${...}``, backticks): never run, never a traceback;
* bombs (towers, deep nesting, huge sums): a verdict or a refusal within the budget;
* unknown names and unusable paths: exit 2 before any proving, naming what was wrong.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hostile.harness import VERDICT_CPU, assert_unusable, case, invoke, judge, warm_up
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """What the verbs import is imported before the first case, outside any case's CPU budget."""
    warm_up()


ROOT = Path(__file__).resolve().parents[1]
MARKER = "HOSTILE_CLI_MARKER"

#: (rule, quantity, a formula equal to it)
TARGETS = [("softmax_ce", "dL/do", r"\hat{y}_j - y_j"), ("sigmoid_bce", "dL/ds", r"\hat{y} - y")]

TRAILING = {  # appended to a correct formula: each must be refused
    "dot_plus_100": " . + 100", "dot": " .", "dot_5": ". 5", "comma_5": ", 5", "comma": ",", "semicolon_5": "; 5",
    "semicolon": ";", "unknown_command": r" \foo", "unknown_command_plus": r" \notacommand + 1",
    "close_bracket": " ]", "close_paren": " )", "close_brace": " }", "equals": " = 3", "less_than": " < 1",
    "ampersand": " & 1", "double_backslash": r" \\ 1", "dollar": " $", "hash": " #", "at": " @", "question": " ?",
    "backtick": " `", "quote": ' "', "tilde_word": " ~ a", "underscore": " _", "caret": " ^", "pipe": " |",
"exclamation_mark_word": " ! x", "unicode_bullet": " \u2022 1", "nul": " \x00",
}
LEADING = {"dot": ". ", "comma": ", ", "semicolon": "; ", "close_brace": "} ", "equals": "= "}
INJECTION = {
    "python_import": f"__import__('pathlib').Path('{MARKER}').touch()",
    "python_eval": f"eval(\"open('{MARKER}', 'w')\")",
    "python_exec": "exec('import os')",
    "python_lambda": "lambda: 0",
    "python_dunder": "().__class__.__bases__[0].__subclasses__()",
    "shell_variable": "${HOME}",
    "shell_braces": "${IFS}cat${IFS}/etc/passwd",
    "shell_command": f"$(touch {MARKER})",
    "backticks": f"`touch {MARKER}`",
    "latex_input": r"\input{/etc/passwd}",
    "latex_include": r"\include{/etc/passwd}",
    "latex_write18": r"\immediate\write18{touch " + MARKER + "}",
    "latex_def": r"\def\x{1} \x",
    "latex_newcommand": r"\newcommand{\x}{1} \x",
    "latex_catcode": r"\catcode`\^=7 x",
    "latex_csname": r"\csname x\endcsname",
    "template": "{{7*7}}",
    "format": "%s%s%s%n",
    "sql": "'; DROP TABLE rules; --",
    "html": "<script>alert(1)</script>",
    "path": "../../../../etc/passwd",
    "sympy_code": "Symbol('x').__class__",
}
NONFINITE = {  # appended to a correct formula, or alone: never equal to a finite quantity
    "plus_infty": r" + \infty", "zero_times_infty": r" + 0 \cdot \infty", "zero_over_zero": r" + \frac{0}{0}",
    "infty_minus_infty": r" + \infty - \infty", "log_zero": r" + \log 0", "one_over_zero": r" + \frac{1}{0}",
    "text_nan": r" + \text{nan}", "nan_word": " + nan", "inf_word": " + inf", "infty_alone": r"\infty",
    "minus_infty_alone": r"-\infty",
}
MALFORMED = {
    "empty": "", "spaces": "   ", "newlines": "\n\n", "open_brace": "{", "close_brace": "}",
    "frac_one_argument": r"\frac{1}", "frac_no_argument": r"\frac", "caret_alone": "^", "subscript_alone": "_",
    "backslash_alone": "\\", "begin_cases_unclosed": r"\begin{cases} 1 & x > 0", "left_unclosed": r"\left( x",
    "inline_math": "$x$", "display_math": "$$x$$", "paren_math": r"\(x\)", "control_characters": "\x01\x02\x7f",
    "emoji": "\U0001F600", "right_to_left": "\u202ex", "zero_width": "x\u200b", "long_name": "a" * 10_000,
}  # bytes that are not UTF-8 (arguments with surrogate escapes): test_hostile_inputs, installed command
BOMBS = {  # expensive: one target, JSON only
    "tower": "2^{2^{2^{100}}}", "e_tower": "e^{e^{e^{e^{e^{10}}}}}",
    "hat_tower": r"\hat{y}_j^{\hat{y}_j^{\hat{y}_j^{\hat{y}_j}}}",
    "long_sum": " + ".join(["o_j"] * 10_000), "deep_parens": "(" * 900 + "o_j" + ")" * 900,
    "deep_braces": "{" * 900 + "o_j" + "}" * 900, "deep_fracs": r"\frac{1}{" * 200 + "o_j" + "}" * 200,
    "deep_sqrts": r"\sqrt{" * 300 + "o_j" + "}" * 300, "huge_sum": r"\sum_{k=1}^{1000000000} y_k",
    "big_number": "9" * 5000, "power_of_power": "10^{10^{10}}", "binomial_blowup": "(o_j + y_j)^{1000}",
    "factorial": "1000000!",
}  # (a chain of 50 subscripts o_o_..._o burns the whole 10 s reading budget: too slow for this suite)


def _equiv_cases():
    params = []
    for rule, quantity, correct in TARGETS:
        for mode in ("text", "json"):
            for name, suffix in TRAILING.items():
                params.append(case(f"equiv-{rule}-trailing_{name}-{mode}", rule, quantity, correct + suffix,
                                   "refused", mode))
            for name, prefix in LEADING.items():
                params.append(case(f"equiv-{rule}-leading_{name}-{mode}", rule, quantity, prefix + correct,
                                   "refused", mode))
            for name, text in INJECTION.items():
                params.append(case(f"equiv-{rule}-injection_{name}-{mode}", rule, quantity, text, "not_equal", mode))
            for name, text in NONFINITE.items():
                formula = text if name.endswith("alone") else correct + text
                params.append(case(f"equiv-{rule}-nonfinite_{name}-{mode}", rule, quantity, formula,
                                   "not_equal", mode))
            for name, text in MALFORMED.items():
                params.append(case(f"equiv-{rule}-malformed_{name}-{mode}", rule, quantity, text, "not_equal", mode))
    for name, text in BOMBS.items():
        params.append(case(f"equiv-softmax_ce-bomb_{name}-json", "softmax_ce", "dL/do", text, "not_equal", "json"))
    names = {"unknown": "nope", "empty": "", "traversal": "../../etc/passwd", "private": "_kernels",
             "dunder": "__init__", "space": "softmax_ce ", "upper": "SOFTMAX_CE",
             "injection": INJECTION["python_import"],
             "nul": "softmax\x00_ce", "long": "r" * 10_000, "glob": "softmax*", "loop": "rnn_bptt_loop"}
    for name, rule in names.items():
        params.append(case(f"equiv-rule_{name}-json", rule, "dL/do", TARGETS[0][2], "unknown", "json"))
    quantities = {"unknown": "dL/dnope", "empty": "", "input": "o", "traversal": "../L", "injection": "L; rm -rf /",
                  "nul": "dL/do\x00", "dunder": "__class__", "long": "d" * 10_000, "other_rule": "dL/ds",
                  "unicode": "dL/dô"}
    for name, quantity in quantities.items():
        params.append(case(f"equiv-quantity_{name}-json", "softmax_ce", quantity, TARGETS[0][2], "unknown", "json"))
    return params


@pytest.mark.parametrize("rule, quantity, latex, expectation, mode", _equiv_cases())
def test_equiv(capsys, rule, quantity, latex, expectation, mode):
    args = ["equiv", "--json", rule, quantity, latex] if mode == "json" else ["equiv", rule, quantity, latex]
    outcome = judge(invoke(capsys, *args, cpu=VERDICT_CPU), cpu=VERDICT_CPU)
    if expectation == "refused":
        assert_unusable(outcome, "LATEX")
    elif expectation == "unknown":
        assert_unusable(outcome)
    else:  # not_equal: refused, or judged not equivalent; never equivalent
        assert outcome.code in (1, 2), f"judged equivalent\n{outcome}"
        if outcome.code == 1 and mode == "json":
            assert outcome.json()["verdict"] == "not_equivalent", outcome
    assert not Path(MARKER).exists(), "a payload ran code"


# -- grad ---------------------------------------------------------------------------------------------
POINTS = {  # --at for 'x^2 + y' (x and y): (value, expectation)
    "nan": ("x=nan,y=1", "refused"), "NaN": ("x=NaN,y=1", "refused"), "inf": ("x=inf,y=1", "refused"),
    "minus_inf": ("x=-inf,y=1", "refused"), "infinity": ("x=Infinity,y=1", "refused"),
    "1e999": ("x=1e999,y=1", "refused"), "1e400": ("x=1e400,y=1", "refused"),
    "huge_int": ("x=" + "9" * 5000 + ",y=1", "refused"), "latex_infty": (r"x=\infty,y=1", "refused"),
    "one_over_zero": (r"x=\frac{1}{0},y=1", "refused"), "empty": ("", "refused"), "name_only": ("x", "refused"),
    "no_value": ("x=,y=1", "refused"), "no_name": ("=1,y=1", "refused"), "trailing_comma": ("x=1,y=1,", "any"),
    "double_comma": ("x=1,,y=2", "any"), "double_equals": ("x==1,y=1", "refused"),
    "two_values": ("x=1=2,y=1", "refused"),
    "list": ("x=[1,2],y=1", "refused"), "semicolon": ("x=1;y=2", "refused"), "hex": ("x=0x1F,y=1", "refused"),
    "underscores": ("x=1_000,y=1", "any"), "unknown_variable": ("x=1,y=1,z=2", "refused"),
    "missing_variable": ("x=1", "refused"), "duplicate": ("x=1,x=2,y=1", "refused"),
    "python": (f"x=__import__('pathlib').Path('{MARKER}').touch(),y=1", "refused"),
    "shell": ("x=${HOME},y=1", "refused"), "backticks": (f"x=`touch {MARKER}`,y=1", "refused"),
    "power": ("x=10**1000,y=1", "refused"), "underflow": ("x=1e-400,y=1", "any"), "minus_zero": ("x=-0,y=1", "any"),
    "spaces": (" x = 1 , y = 2 ", "any"), "unicode_minus": ("x=\u22121,y=1", "any"), "nul": ("x=1\x00,y=1", "refused"),
    "complex": ("x=1+2j,y=1", "refused"), "fraction": ("x=1/2,y=1", "any"),
}
UNDEFINED = {  # (formula, --wrt, --at): the function or its derivative has no finite value there
    "one_over_x_at_0": (r"\frac{1}{x}", "x", "x=0"), "log_at_0": (r"\log x", "x", "x=0"),
    "log_negative": (r"\log x", "x", "x=-1"), "sqrt_negative": (r"\sqrt{x}", "x", "x=-1"),
    "sqrt_at_0": (r"\sqrt{x}", "x", "x=0"), "power_of_negative": ("x^{y}", "x", "x=-1,y=0.5"),
    "pole": (r"\frac{1}{x - 1}", "x", "x=1"),
    "exp_overflow": ("e^{x}", "x", "x=1000"), "e_tower": ("e^{e^{e^{e^{x}}}}", "x", "x=10"),
    "log_of_log": (r"\log(\log x)", "x", "x=1"), "zero_over_zero": (r"\frac{x}{x}", "x", "x=0"),
    "acos_edge": (r"\arccos x", "x", "x=1"), "x_to_x_at_0": ("x^{x}", "x", "x=0"),
}
WRT = {"absent": "z", "empty": "", "dunder": "__class__", "injection": "x; rm -rf /", "nul": "x\x00",
       "long": "x" * 10_000, "gradient_name": "df/dx", "latex": r"\hat{x}", "number": "1"}


def _grad_cases():
    params = []
    for mode in ("text", "json"):
        for name, suffix in TRAILING.items():
            params.append(case(f"grad-trailing_{name}-{mode}", ["x^2" + suffix, "--wrt", "x"], "refused_latex", mode))
        for name, text in INJECTION.items():
            params.append(case(f"grad-injection_{name}-{mode}", [text, "--wrt", "x"], "any", mode))
        for name, text in MALFORMED.items():
            params.append(case(f"grad-malformed_{name}-{mode}", [text, "--wrt", "x"], "any", mode))
        for name, (point, expectation) in POINTS.items():
            params.append(case(f"grad-at_{name}-{mode}", ["x^2 + y", "--wrt", "x", "--at", point], expectation, mode))
        for name, (formula, wrt, point) in UNDEFINED.items():
            params.append(case(f"grad-undefined_{name}-{mode}", [formula, "--wrt", wrt, "--at", point],
                               "refused", mode))
        for name, wrt in WRT.items():
            params.append(case(f"grad-wrt_{name}-{mode}", ["x^2", "--wrt", wrt], "refused", mode))
    for name, text in BOMBS.items():
        params.append(case(f"grad-bomb_{name}-json", [text.replace("o_j", "x").replace("y_k", "x_k"), "--wrt", "x"],
                           "any", "json"))
    shapes = {"zero": "x=0", "negative": "x=-1", "huge": "x=1000000000x1000000000", "text": "x=abc",
              "no_size": "x=", "twice": "x=3", "nan": "x=nan"}
    for name, shape in shapes.items():
        params.append(case(f"grad-shape_{name}-json", ["x^2", "--wrt", "x", "--shape", shape], "refused", "json"))
    emits = {"into_a_file": "{file}/out.py", "dev_null_child": "/dev/null/out.py", "empty": "", "folder": "{folder}",
             "nul": "out\x00.py", "long": "o" * 300 + ".py"}
    for name, target in emits.items():
        params.append(case(f"grad-emit_{name}-json", ["x^2", "--wrt", "x", "--emit-numpy", target], "refused", "json"))
    return params


@pytest.mark.parametrize("args, expectation, mode", _grad_cases())
def test_grad(capsys, tmp_path, args, expectation, mode):
    file = tmp_path / "a_file"
    file.write_text("")
    args = [a.format(file=file, folder=tmp_path) if "{" in a and "--" not in a and "}" in a and a.startswith("{")
            else a for a in args]
    args = ["grad", *args] + (["--json"] if mode == "json" else [])
    outcome = judge(invoke(capsys, *args, cpu=VERDICT_CPU), cpu=VERDICT_CPU)
    if expectation == "refused_latex":
        assert_unusable(outcome, "LATEX")
    elif expectation == "refused":
        assert_unusable(outcome)
    assert not Path(MARKER).exists(), "a payload ran code"


# -- list, show, run, docs, check: names, paths and flags -------------------------------------------
RULE_NAMES = {"unknown": "nope", "empty": "", "traversal": "../../etc/passwd", "private": "_kernels",
              "recurrent_helper": "_recurrent", "dunder": "__init__", "upper": "SOFTMAX_CE",
              "space": " softmax_ce", "injection": INJECTION["python_import"], "shell": "$(ls)",
              "nul": "softmax\x00_ce", "long": "r" * 10_000, "glob": "*", "dot": ".", "option_like": "--json"}


def _fifo(tmp_path):
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    return path


PATHS = {  # path builders for check/run/docs (tmp_path -> path)
    "missing": lambda t: t / "missing.yaml",
    "empty_string": lambda t: "",
    "nul_byte": lambda t: str(t / "a\x00b.yaml"),
    "too_long": lambda t: t / ("a" * 300 + ".yaml"),
    "dev_zero": lambda t: "/dev/zero",
    "dev_null": lambda t: "/dev/null",
    "dev_urandom": lambda t: "/dev/urandom",
    "fifo": _fifo,
    "empty_folder": lambda t: t,
    "folder_named_yaml": lambda t: (t / "x.yaml").mkdir() or t / "x.yaml",
    "symlink_loop": lambda t: (t / "loop.yaml").symlink_to(t / "loop.yaml") or t / "loop.yaml",
    "symlink_to_dev_zero": lambda t: (t / "zero.yaml").symlink_to("/dev/zero") or t / "zero.yaml",
    "dangling_symlink": lambda t: (t / "dangling.yaml").symlink_to(t / "nowhere") or t / "dangling.yaml",
    "proc_file": lambda t: "/proc/self/status",
    "glob_characters": lambda t: t / "*.yaml",
    "starts_with_dash": lambda t: "-rf",
}
#: Where docs cannot write (docs with a usable --out would write pages: minutes, and files outside tmp).
UNWRITABLE = ["nul_byte", "too_long", "dev_zero", "dev_null", "fifo", "symlink_loop", "proc_file", "starts_with_dash"]


@pytest.fixture(autouse=True)
def in_a_temporary_folder(tmp_path, monkeypatch):
    """Every case runs in its own empty working folder: a path read as '.' writes nothing else."""
    monkeypatch.chdir(tmp_path)


def _verb_cases():
    params = []
    for name, rule in RULE_NAMES.items():
        for options in ([], ["--format", "latex"], ["--format", "markdown", "--lang", "ko"]):
            label = "-".join(o.strip("-") for o in options) or "text"
            params.append(case(f"show-rule_{name}-{label}", ["show", rule, *options], "refused"))
    bad_options = {"format": ["--format", "pdf"], "lang": ["--lang", "xx"], "format_injection": ["--format", "$(ls)"],
                   "lang_empty": ["--lang", ""], "json": ["--json"]}
    for name, options in bad_options.items():
        params.append(case(f"show-option_{name}", ["show", "softmax_ce", *options], "refused"))
    for fmt in ("text", "latex", "markdown"):
        for lang in ("en", "ko"):
            params.append(case(f"show-valid-{fmt}-{lang}", ["show", "sigmoid_bce", "--no-proof", "--format", fmt,
                                                            "--lang", lang], "ok"))
    params += [case("list-valid", ["list"], "ok"), case("list-json", ["list", "--json"], "ok"),
               case("list-extra_argument", ["list", "extra"], "refused"),
               case("list-unknown_flag", ["list", "--yaml"], "refused"),
               case("list-injection", ["list", INJECTION["python_import"]], "refused")]
    for name in PATHS:
        params.append(case(f"check-path_{name}-json", ["check", "--json", f"<{name}>"], "refused"))
        params.append(case(f"run-path_{name}", ["run", f"<{name}>", "--rule", "sigmoid_bce", "--jobs", "1"], "refused"))
    for name in UNWRITABLE:
        params.append(case(f"docs-out_{name}", ["docs", "--rule", "sigmoid_bce", "--out", f"<{name}>"], "refused"))
    jobs = {"zero": "0", "negative": "-1", "huge": "1000000000", "text": "many", "float": "1.5"}
    for name, value in jobs.items():
        params.append(case(f"run-jobs_{name}", ["run", "<missing>", "--jobs", value], "refused"))
        params.append(case(f"docs-jobs_{name}", ["docs", "--out", "<dev_null>", "--jobs", value], "refused"))
    for name, rule in RULE_NAMES.items():
        params.append(case(f"run-rule_{name}", ["run", str(ROOT / "worked_examples"), "--rule", rule], "refused"))
        params.append(case(f"docs-rule_{name}", ["docs", "--rule", rule, "--out", "<empty_folder>"], "refused"))
    general = {"nothing": [], "unknown_verb": ["prove"], "injection_verb": [INJECTION["python_import"]],
               "help": ["--help"], "verb_help": ["check", "--help"], "version": ["--version"], "dash": ["-"],
               "double_dash": ["--"], "check_without_path": ["check"], "equiv_without_formula": ["equiv", "softmax_ce"],
               "grad_without_wrt": ["grad", "x^2"]}
    for name, args in general.items():
        params.append(case(f"main-{name}", args, "any"))
    return params


@pytest.mark.parametrize("args, expectation", _verb_cases())
def test_verbs(capsys, tmp_path, args, expectation):
    resolved = []
    for arg in args:
        if arg.startswith("<") and arg.endswith(">") and arg[1:-1] in PATHS:
            arg = str(PATHS[arg[1:-1]](tmp_path))
        resolved.append(arg)
    outcome = judge(invoke(capsys, *resolved))
    if expectation == "refused":
        assert_unusable(outcome)
    elif expectation == "ok":
        assert outcome.code == 0, outcome
    if resolved[:2] == ["list", "--json"]:
        rules = outcome.json()["rules"]
        assert {"softmax_ce", "sigmoid_bce", "lstm_step", "vae_kl"} <= {r["name"] for r in rules}
        assert all({"name", "title", "inputs", "quantities"} <= set(r) for r in rules)


# -- trailing garbage, generated ----------------------------------------------------------------------
GARBAGE_STARTS = [".", ",", ";", r"\zzz", "]", ")", "}", "=", "&", "#", "@", "?", "`", '"', "<", ">", "|"]


@settings(derandomize=True, max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.sampled_from(GARBAGE_STARTS),
       rest=st.text(string.ascii_letters + string.digits + " +-*/.,;", max_size=12),
       target=st.sampled_from(TARGETS))
def test_any_trailing_garbage_is_refused(capsys, start, rest, target):
    """A correct formula, then a character that cannot continue it, then anything: never judged."""
    rule, quantity, correct = target
    outcome = judge(invoke(capsys, "equiv", "--json", rule, quantity, f"{correct} {start}{rest}"))
    assert_unusable(outcome, "LATEX")
