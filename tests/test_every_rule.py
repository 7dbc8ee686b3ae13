"""Every rule `derive list` shows goes through every verb, found by the one registry.

Per rule: a worked file with inputs drawn from the rule's own input domains
(seeded, at its smallest proof sizes) is checked in-process (a verdict, JSON, no
traceback); a derivation file and `derive equiv` reach the same rule; `derive show`
prints it. Then what must be refused with one line and exit 2, before any proving:
inputs outside a rule's domain (declared once per input, tested here for every
declared input), NaN and infinities, names that are not rules (the generated loops),
missing or unreadable folders, an unwritable --out, and `derive grad` at a point
where the function or its derivative has no value.
"""

import json
import os
import re
import zlib

import numpy as np
import pytest
import sympy as sp

from derive import naming, registry
from derive.cli.main import main
from derive.printing.latex import latex

RULES = registry.rules()
LOOPS = list(registry.loops())

#: Invalid values for each non-real domain kind, by the shape of the input.
OUTSIDE = {
    "one_hot": lambda shape: np.ones(shape),
    "simplex": lambda shape: np.full(shape, 0.9),
    "unit": lambda shape: np.full(shape, 1.5),
    "positive": lambda shape: np.full(shape, -0.1),
    "nonzero": lambda shape: np.zeros(shape),
    "sign": lambda shape: np.full(shape, 0.5),
    "binary": lambda shape: np.full(shape, 0.5),
    "rate": lambda shape: np.ones(shape),
    "nonnegative": lambda shape: np.full(shape, -0.5),
    "count": lambda shape: np.full(shape, 1.5),
}

#: `derive equiv` reads the printed definition of a rule's first quantity back, except where
#: the printed notation is not (yet) read: \operatorname{softmax}, a bmatrix concatenation,
#: a component of a subscripted name ((p_z)_k). There a hand-written formula stands in.
EQUIV_BY_HAND = {
    "softmax_ce": ("y_hat", r"\frac{e^{o_j}}{\sum_k e^{o_k}}"),
    "lstm_step": ("s_f", r"W_f z + b_f"),
    "lstm_bptt": ("s_f", r"W_f z + b_f"),
    "seq2seq": ("s_f", r"W_f z + b_f"),
    "elbo": ("log_px", r"\log p_x"),
    # printed \log{\left(D_{k}\right)} p_{k}: the parser takes p_k into the logarithm's argument
    "gan_optimum": ("V", r"\sum_k p_k \log D_k + \sum_k q_k \log(1 - D_k)"),
    # the identity I and a mean over a matrix's rows (X_{\cdot,k}) are not read yet
    "gcn": ("P", r"M W"),
    "word2vec_cbow": ("h", r"W_{in}^{\top} x_{bar}"),
}


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err, *words):
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    for word in words:
        assert word in err, (word, err)


# -- drawing a valid worked file for a rule ------------------------------------------

def small_sizes(rule) -> dict:
    return {**{d: 2 for d in rule.size_symbols()}, **(rule.proof_sizes[0] if rule.proof_sizes else {})}


def shape_of(rule, name) -> tuple:
    sizes = small_sizes(rule)
    return tuple(int(sp.sympify(d).subs(sizes)) for d in rule.inputs[name].shape)


def valid_inputs(rule) -> dict:
    """Every input drawn from its domain (a one-hot target is a corner of the simplex)."""
    rng = np.random.default_rng(zlib.crc32(rule.name.encode()))
    out = {}
    for name, item in rule.inputs.items():
        draw = getattr(item.domain, "sample_one_hot", item.domain.sample)
        out[name] = np.asarray(draw(rng, shape_of(rule, name)), dtype=float)
    return out


def exact_values(rule, inputs) -> dict:
    function = getattr(registry.numeric(rule.name), rule.name)
    out = function(**{naming.python_name(k): v[None] for k, v in inputs.items()})
    return {k: np.asarray(v, dtype=float)[0] for k, v in out.items()}


def flow(values, fmt=repr) -> str:
    """Numbers in YAML flow style: 0.25, [0.25, 1.0] or [[...], [...]]."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 0:
        return fmt(float(values))
    return "[" + ", ".join(flow(v, fmt) for v in values) + "]"


def worked_text(rule_name, inputs, answers) -> str:
    lines = [f"rule: {rule_name}", "inputs:"]
    lines += [f"  {name}: {text}" for name, text in inputs.items()]
    lines.append("answers:")
    lines += [f"  {json.dumps(name)}: {text}" for name, text in answers.items()]
    return "\n".join(lines) + "\n"


def write_worked(tmp_path, rule, inputs, answers, file_name="worked.yaml"):
    path = tmp_path / file_name
    path.write_text(worked_text(rule.name, {k: flow(v) for k, v in inputs.items()}, answers))
    return path


# -- the registry ------------------------------------------------------------------------

def test_the_name_index_is_the_registry(capsys):
    assert sorted(registry.rule_names()) == sorted(RULES)
    code, out, _ = run_cli(capsys, "list", "--json")
    assert code == 0
    assert [r["name"] for r in json.loads(out)["rules"]] == list(RULES)


def test_generated_loops_are_not_rules():
    assert "rnn_bptt_loop" in LOOPS and "lstm_bptt_loop" in LOOPS
    assert not set(LOOPS) & set(RULES)


# -- every rule through every verb -------------------------------------------------------

@pytest.mark.parametrize("name", list(RULES))
def test_a_worked_file_for_every_rule_gets_a_verdict(name, tmp_path, capsys):
    rule = RULES[name]
    inputs = valid_inputs(rule)
    exact = exact_values(rule, inputs)
    names = rule.quantity_names
    first, middle, last = names[0], names[len(names) // 2], names[-1]
    assert len({first, middle, last}) == 3, f"{name}: pick three quantities"
    answers = {first: flow(exact[first]),  # every digit
               middle: flow(exact[middle], lambda v: f"{v:.4f}"),  # rounded: still correct
               last: flow(exact[last] + 0.5 + 0.1 * np.abs(exact[last]), lambda v: f"{v:.6f}")}  # a slip
    path = write_worked(tmp_path, rule, inputs, answers)
    code, out, err = run_cli(capsys, "check", path, "--json")
    assert err == "", err
    assert code == 1
    report = json.loads(out)["reports"][0]
    assert report["rule"] == name and report["ok"] is False
    assert {s["name"]: s["status"] for s in report["steps"]} == {first: "correct", middle: "correct",
                                                                 last: "wrong"}
    assert report["first_error"] == last


@pytest.mark.parametrize("name", list(RULES))
def test_a_derivation_file_for_every_rule_is_checked(name, tmp_path, capsys):
    quantity = RULES[name].quantity_names[0]
    path = tmp_path / "derivation.yaml"
    path.write_text(f"rule: {name}\nquantity: {json.dumps(quantity)}\nlines:\n  - '0'\n  - '0'\n")
    code, out, err = run_cli(capsys, "check", path, "--json")
    assert "Traceback" not in err
    report = json.loads(out)["reports"][0]
    assert report["kind"] == "derivation" and report["rule"] == name
    assert code in (0, 1)


#: Rules of images and kernels (3 or 4 axes): no LaTeX notation to read their formulas from.
WINDOW_RULES = ("conv2d", "max_pool2d", "avg_pool2d", "cnn_classifier")


@pytest.mark.parametrize("name", WINDOW_RULES)
def test_equiv_refuses_the_rules_of_images_with_a_clear_answer(name, capsys):
    code, out, err = run_cli(capsys, "equiv", name, RULES[name].quantity_names[0], "x", "--json")
    assert code == 2 and out == ""
    assert "3 or 4 axes" in err and "derive check" in err and "Traceback" not in err


@pytest.mark.parametrize("name", [n for n in RULES if n not in WINDOW_RULES])
def test_equiv_compares_with_every_rule(name, capsys):
    rule = RULES[name]
    quantity = rule.quantity_names[0]
    formula = latex(rule.quantities[quantity].definition)
    quantity, formula = EQUIV_BY_HAND.get(name, (quantity, formula))
    code, out, err = run_cli(capsys, "equiv", name, quantity, formula, "--json")
    assert err == "", err
    assert json.loads(out)["verdict"] == "equivalent" and code == 0


@pytest.mark.parametrize("name", list(RULES))
def test_show_prints_every_rule(name, capsys):
    code, out, err = run_cli(capsys, "show", name, "--no-proof")
    assert code == 0 and err == ""
    assert RULES[name].title in out


# -- names that are not rules ------------------------------------------------------------

@pytest.mark.parametrize("loop", LOOPS)
def test_a_generated_loop_is_refused_by_every_verb(loop, tmp_path, capsys):
    worked = tmp_path / "worked.yaml"
    worked.write_text(f"rule: {loop}\ninputs: {{x: 1}}\nanswers: {{L: 1}}\n")
    code, _, err = run_cli(capsys, "check", worked)
    assert code == 2
    assert_one_line(err, f"{worked}: field 'rule'", f"'{loop}' is not a rule", "known rules: ", "softmax_ce")
    derivation = tmp_path / "derivation.yaml"
    derivation.write_text(f"rule: {loop}\nlines: ['0', '0']\n")
    code, _, err = run_cli(capsys, "check", derivation)
    assert code == 2
    assert_one_line(err, f"{derivation}: field 'rule'", "is not a rule")
    for argv in (["show", loop], ["equiv", loop, "L", "0"], ["docs", "--rule", loop, "--out", tmp_path / "docs"]):
        code, _, err = run_cli(capsys, *argv)
        assert code == 2
        assert_one_line(err, f"'{loop}' is not a rule")
    assert not (tmp_path / "docs").exists()


def test_an_unknown_rule_lists_the_known_ones(tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text("rule: no_such_rule\ninputs: {x: 1}\nanswers: {L: 1}\n")
    code, _, err = run_cli(capsys, "check", path)
    assert code == 2
    assert_one_line(err, f"{path}: field 'rule': unknown rule 'no_such_rule'; known rules: {', '.join(sorted(RULES))[:40]}")


# -- inputs outside a rule's domain --------------------------------------------------------

DOMAIN_CASES = [(name, item.name) for name, rule in RULES.items() for item in rule.inputs.values()
                if item.domain.kind != "real"]


@pytest.mark.parametrize("name, input_name", DOMAIN_CASES, ids=[f"{n}-{i}" for n, i in DOMAIN_CASES])
def test_an_input_outside_its_domain_is_refused(name, input_name, tmp_path, capsys):
    rule = RULES[name]
    domain = rule.inputs[input_name].domain
    inputs = valid_inputs(rule)
    exact = exact_values(rule, inputs)
    shape = shape_of(rule, input_name)
    inputs[input_name] = OUTSIDE[domain.kind](shape)
    quantity = rule.quantity_names[0]
    path = write_worked(tmp_path, rule, inputs, {quantity: flow(exact[quantity])})
    code, out, err = run_cli(capsys, "check", path, "--json")
    assert code == 2
    # a distribution per row (a matrix of one-hot rows) is refused at its first row
    field = f"inputs.{input_name}" + "[0]" * (len(shape) if domain.elementwise else max(len(shape) - 1, 0))
    assert_one_line(err, f"{path}: field '{field}': expected {domain.expected}, got ")
    assert json.loads(out)["reports"][0]["kind"] == "unusable"


@pytest.mark.parametrize("rule, inputs, field, got", [
    ("softmax_ce", "{o: [1, 2, 3], y: [1, 1, 0]}", "inputs.y", "[1, 1, 0]"),
    ("softmax_ce", "{o: [1, 2, 3], y: [0.5, 0.5, 0]}", "inputs.y", "[0.5, 0.5, 0]"),
    ("softmax_ce", "{o: [1, 2, 3], y: [0, 0, 0]}", "inputs.y", "[0, 0, 0]"),
    ("sigmoid_bce", "{s: 0.3, y: 2}", "inputs.y", "2"),
    ("sigmoid_bce", "{s: 0.3, y: -0.5}", "inputs.y", "-0.5"),
    ("bernoulli_entropy", "{theta: 1.01}", "inputs.theta", "1.01"),
    ("cross_entropy_kl", "{p: [0.5, 0.6], q: [0.5, 0.5]}", "inputs.p", "[0.5, 0.6]"),
    ("cross_entropy_kl", "{p: [1.5, -0.5], q: [0.5, 0.5]}", "inputs.p", "[1.5, -0.5]"),
    ("elbo", "{p_z: [0.5, 0.5], lik: [0.8, 1.2], q: [0.7, 0.3]}", "inputs.lik[1]", "1.2"),
    ("gaussian_kl", "{mu_1: 0, sigma_1: 0, mu_2: 0, sigma_2: 1}", "inputs.sigma_1", "0"),
])
def test_the_domain_messages_name_the_field_and_what_was_written(rule, inputs, field, got, tmp_path, capsys):
    path = tmp_path / "w.yaml"
    quantity = RULES[rule].quantity_names[0]
    path.write_text(f"rule: {rule}\ninputs: {inputs}\nanswers: {{{json.dumps(quantity)}: 0.5}}\n")
    code, _, err = run_cli(capsys, "check", path)
    assert code == 2
    domain = RULES[rule].inputs[field.split(".")[1].split("[")[0]].domain
    assert err == f"derive check: {path}: field '{field}': expected {domain.expected}, got {got}\n"


def test_a_distribution_may_miss_one_by_its_rounding(tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text("rule: jsd\ninputs: {p: [0.33, 0.33, 0.33], q: [0.2, 0.3, 0.5]}\n"
                    "answers: {m: [0.265, 0.315, 0.415]}\n")
    code, _, err = run_cli(capsys, "check", path)
    assert err == "" and code == 0
    path.write_text("rule: jsd\ninputs: {p: [0.5, 0.6], q: [0.5, 0.5]}\nanswers: {m: [0.5, 0.55]}\n")
    code, _, err = run_cli(capsys, "check", path)
    assert code == 2 and "field 'inputs.p'" in err


@pytest.mark.parametrize("inputs, answers, field", [
    ("{o: [.nan, 1, 2], y: [0, 1, 0]}", "{L: 1.0}", "inputs.o[0]"),
    ("{o: [1, .inf, 2], y: [0, 1, 0]}", "{L: 1.0}", "inputs.o[1]"),
    ("{o: [1, 2, 3], y: [0, 1, -.Inf]}", "{L: 1.0}", "inputs.y[2]"),
    ("{o: [1, 2, 3], y: [0, 1, 0]}", "{L: .NaN}", "answers.L"),
    ("{o: [1, 2, 3], y: [0, 1, 0]}", "{L: -.inf}", "answers.L"),
    ("{o: [1, 2, 3], y: [0, 1, 0]}", "{\"dL/do\": [0.1, 1e999, 0.2]}", "answers.dL/do[1]"),
])
def test_nan_and_infinity_are_refused_anywhere(inputs, answers, field, tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text(f"rule: softmax_ce\ninputs: {inputs}\nanswers: {answers}\n")
    code, _, err = run_cli(capsys, "check", path, "--json")
    assert code == 2
    assert_one_line(err, f"{path}: field '{field}'")


# -- argument and path checks come before any proving ------------------------------------

@pytest.fixture
def no_proving(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("proving started before the arguments were checked")
    monkeypatch.setattr("derive.cli.run.prove_all", refuse)
    monkeypatch.setattr("derive.cli.docs.ProcessPoolExecutor", refuse)


def unreadable(monkeypatch, folder):
    """Make ``folder`` unreadable to derive (chmod does not stop root, who runs some CI)."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: str(path) != str(folder) and real_access(path, mode))


def test_run_refuses_a_missing_folder_at_once(tmp_path, capsys, no_proving):
    code, _, err = run_cli(capsys, "run", tmp_path / "nowhere", "--quiet")
    assert code == 2
    assert_one_line(err, str(tmp_path / "nowhere"))


def test_run_refuses_an_empty_folder_at_once(tmp_path, capsys, no_proving):
    (tmp_path / "notes.txt").write_text("not a worked example")
    code, _, err = run_cli(capsys, "run", tmp_path, "--quiet")
    assert code == 2
    assert_one_line(err, str(tmp_path), "no YAML files")


def test_run_refuses_an_unreadable_folder_at_once(tmp_path, capsys, no_proving, monkeypatch):
    unreadable(monkeypatch, tmp_path)
    code, _, err = run_cli(capsys, "run", tmp_path, "--quiet")
    assert code == 2
    assert_one_line(err, str(tmp_path), "cannot read the folder")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any folder")
def test_check_refuses_a_folder_without_read_permission(tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "w.yaml").write_text("rule: softmax_ce\n")
    folder.chmod(0)
    try:
        code, _, err = run_cli(capsys, "check", folder)
    finally:
        folder.chmod(0o755)
    assert code == 2
    assert_one_line(err, str(folder), "cannot read the folder")


def test_check_refuses_a_missing_path_before_checking_any(tmp_path, capsys):
    good = tmp_path / "w.yaml"
    good.write_text("rule: sigmoid_bce\ninputs: {s: 0, y: 1}\nanswers: {y_hat: 0.5}\n")
    code, out, err = run_cli(capsys, "check", good, tmp_path / "missing.yaml", "--json")
    assert code == 2 and out == ""
    assert_one_line(err, f"{tmp_path / 'missing.yaml'}: no such file or folder")


def test_check_refuses_an_unreadable_folder(tmp_path, capsys, monkeypatch):
    (tmp_path / "w.yaml").write_text("rule: sigmoid_bce\ninputs: {s: 0, y: 1}\nanswers: {y_hat: 0.5}\n")
    unreadable(monkeypatch, tmp_path)
    code, _, err = run_cli(capsys, "check", tmp_path)
    assert code == 2
    assert_one_line(err, str(tmp_path), "cannot read the folder")


def test_docs_refuses_an_out_below_a_file(tmp_path, capsys, no_proving):
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(capsys, "docs", "--out", tmp_path / "file" / "docs", "--rule", "sigmoid_bce")
    assert code == 2
    assert_one_line(err, "--out", "cannot create the folder")


def test_docs_refuses_an_unwritable_out_at_once(tmp_path, capsys, no_proving, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("derive.cli.docs.tempfile.TemporaryFile", read_only)
    code, _, err = run_cli(capsys, "docs", "--out", tmp_path, "--rule", "sigmoid_bce")
    assert code == 2
    assert_one_line(err, f"--out {tmp_path}: cannot write in the folder (Permission denied)")


def test_grad_refuses_an_emit_target_in_a_missing_folder_before_deriving(tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("derived before the arguments were checked")
    monkeypatch.setattr("derive.cli.grad.parse_latex", refuse)
    target = tmp_path / "missing" / "grad.py"
    code, _, err = run_cli(capsys, "grad", "x^2", "--wrt", "x", "--emit-numpy", target)
    assert code == 2
    assert_one_line(err, f"--emit-numpy {target}: the folder {tmp_path / 'missing'} does not exist")
    code, _, err = run_cli(capsys, "grad", "x^2", "--wrt", "x", "--emit-numpy", tmp_path)
    assert code == 2
    assert_one_line(err, "is a folder")


# -- derive grad where the function or its derivative has no value ------------------------

@pytest.mark.parametrize("latex_text, at, what", [
    (r"\frac{1}{x}", "x=0", "f = "),
    (r"x^{y}", "x=-1,y=0.5", "f = "),
    (r"\log(x)", "x=-1", "f = "),
    (r"\sqrt{x}", "x=0", "df/dx = "),
])
def test_grad_at_an_undefined_point_says_so(latex_text, at, what, capsys):
    code, out, err = run_cli(capsys, "grad", latex_text, "--wrt", "x", "--at", at, "--json")
    assert code == 2 and out == ""
    assert_one_line(err, f"--at {at.replace(',', ', ')}: {what}", "is not defined at this point")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_grad_refuses_non_finite_values(value, capsys):
    code, out, err = run_cli(capsys, "grad", r"x^2", "--wrt", "x", "--at", f"x={value}")
    assert code == 2 and out == ""
    assert_one_line(err, "--at x: expected a finite number")


def test_grad_at_a_defined_point_still_answers(capsys):
    code, out, err = run_cli(capsys, "grad", r"\sqrt{x}", "--wrt", "x", "--at", "x=4", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["gradients"]["x"]["value"] == pytest.approx(0.25)


HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.mark.parametrize("name", list(RULES))
def test_english_text_has_no_hangul(name):
    """The English document is typeset without Korean fonts (pdflatex stops at 피): the lecture's
    Korean words belong in the ``_ko`` fields."""
    rule = RULES[name]
    fields = {"title": rule.title, "source": rule.source, "headline": rule.headline}
    fields.update({f"note of {i.name}": i.note for i in rule.inputs.values()})
    fields.update({f"note of {q.name}": q.note for q in rule.quantities.values()})
    for d in rule.derivations:
        fields[f"title of the derivation of {d.target}"] = d.title
        fields.update({f"reason {n} of {d.target}": s.why for n, s in enumerate(d.steps, 1)})
    assert not [key for key, text in fields.items() if text and HANGUL.search(text)]
