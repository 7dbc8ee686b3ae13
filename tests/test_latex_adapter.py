"""The LaTeX adapter: one test per convention of the contract and per pitfall of the parser."""

import subprocess
import sys
import time

import pytest
import sympy as sp

from derive.errors import LatexError, TooComplex
from derive.latex import adapter
from derive.latex.adapter import parse_latex
from derive.symbolic.arrays import Transpose, dim
from derive.symbolic.functions import relu, sigmoid, softplus


def S(name):
    return sp.Symbol(name, real=True)


x, y, a, b, W, w, sigma = (S(n) for n in ("x", "y", "a", "b", "W", "w", "sigma"))
k, j, n = (sp.Symbol(c, integer=True, positive=True) for c in "kjn")
K, N = dim("K"), dim("N")


def same(text, expected, **options):
    got = parse_latex(text, **options)
    assert got == expected, f"{text!r} read as {got!r}, expected {expected!r}"


# -- logarithms ----------------------------------------------------------------
@pytest.mark.parametrize("text", [r"\log x", r"\ln x", r"\log(x)", r"\log{x}", r"\ln\left(x\right)"])
def test_log_is_natural(text):
    same(text, sp.log(x))


def test_log_with_a_base():
    same(r"\log_2 x", sp.log(x) / sp.log(2))
    same(r"\log_{2} x", sp.log(x) / sp.log(2))
    same(r"\log_{10} x", sp.log(x) / sp.log(10))


# -- sigma: the function and the variable ----------------------------------------
@pytest.mark.parametrize("text", [r"\sigma(x)", r"\sigma (x)", r"\sigma\left(x\right)"])
def test_sigma_followed_by_a_bracket_is_the_sigmoid(text):
    same(text, sigmoid(x))


def test_sigma_elsewhere_is_a_variable():
    same(r"\sigma^2", sigma ** 2)
    same(r"\sigma^2(x)", sigma ** 2 * x)
    same(r"2\sigma", 2 * sigma)
    same(r"\log\sigma^2", sp.log(sigma ** 2))
    same(r"\sigma(\sigma(x))", sigmoid(sigmoid(x)))


def test_function_powers():
    same(r"\tanh^{2}(x)", sp.tanh(x) ** 2)
    same(r"\tanh(x)^2", sp.tanh(x) ** 2)


def test_sigma_argument_is_read_whole():
    same(r"\sigma(w x + b)(1 - \sigma(w x + b))", sigmoid(w * x + b) * (1 - sigmoid(w * x + b)))


# -- named functions -------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    (r"\operatorname{ReLU}(x)", relu(x)),
    (r"\max(0, x)", relu(x)),
    (r"\max(x, 0)", relu(x)),
    (r"\max\left(0, 1 - y x\right)", relu(1 - y * x)),
    (r"\operatorname{softplus}(x)", softplus(x)),
    (r"\operatorname{sgn}(x)", sp.sign(x)),
    (r"\operatorname{sign}(x)", sp.sign(x)),
    (r"\exp(x)", sp.exp(x)),
    (r"e^{x}", sp.exp(x)),
    (r"\sqrt{x}", sp.sqrt(x)),
    (r"\tanh(x)", sp.tanh(x)),
    (r"\max(a, b)", sp.Max(a, b)),
])
def test_functions(text, expected):
    same(text, expected)


def test_unknown_operatorname_is_an_error():
    with pytest.raises(LatexError, match="operatorname"):
        parse_latex(r"\operatorname{foo}(x)")


def test_operatorname_needs_parentheses():
    with pytest.raises(LatexError, match="parentheses"):
        parse_latex(r"\operatorname{ReLU} x")


# -- names -------------------------------------------------------------------------
@pytest.mark.parametrize("text, plain", [
    (r"\hat{y}", "y_hat"),
    (r"\tilde{C}", "C_tilde"),
    (r"h_{\text{prev}}", "h_prev"),
    (r"C_{\text{prev}}", "C_prev"),
    (r"W_f", "W_f"),
    (r"W_{f}", "W_f"),
    (r"\mu", "mu"),
    (r"\lambda", "lam"),
    (r"\eta", "lr"),
    (r"\theta", "theta"),
    (r"\text{logvar}", "logvar"),
    (r"\frac{\partial L}{\partial w}", "dL/dw"),
    (r"\frac{\partial L}{\partial W_f}", "dL/dW_f"),
    (r"\frac{\partial L}{\partial \tilde{C}}", "dL/dC_tilde"),
    (r"\frac{\partial L}{\partial h_{\text{prev}}}", "dL/dh_prev"),
    (r"\frac{\partial \text{KL}}{\partial \mu}", "dKL/dmu"),
    (r"b_1", "b_1"),
])
def test_plain_names(text, plain):
    same(text, S(plain))


def test_case_is_preserved():
    got = parse_latex("W w")
    assert got == W * w
    assert got.free_symbols == {W, w}
    same("Y - y + E", S("Y") - S("y") + S("E"))


def test_gamma_is_a_variable():
    # the parser reads \gamma as Euler's constant, and \gamma(x) as the Gamma function
    gamma = S("gamma")
    same(r"\gamma \hat{x} + \beta", gamma * S("x_hat") + S("beta"))
    same(r"\gamma(x)", gamma * x)
    same(r"\Gamma", S("Gamma"))
    same(r"\gamma_1", S("gamma_1"))


def test_d_before_a_letter():
    same("d x", S("d") * x)  # the parser would read the differential dx
    same(r"\frac{x}{d}", x / S("d"))


def test_the_letter_I_is_a_symbol_not_the_imaginary_unit():
    same("I x", S("I") * x)
    same(r"\sum_k I_k p_k", sp.Sum(component("I", k) * component("p", k), (k, 1, K)))


def test_a_single_letter_before_a_bracket_is_a_product():
    same("y(x)", y * x)
    same("y^2(x)", y ** 2 * x)
    same("w(x + 1)", w * (x + 1))


# -- transposes and element-wise products -----------------------------------------------
@pytest.mark.parametrize("text", [r"W^T x", r"W^\top x", r"W^{T} x", r"W^{\top} x", r"W^{\top}x",
                                  r"W^\intercal x", r"W^{\mathsf{T}} x"])
def test_transpose_is_never_dropped(text):
    same(text, Transpose(W) * x)


def test_transpose_of_a_subscripted_symbol():
    same(r"W_f^\top \delta", Transpose(S("W_f")) * S("delta"))


def test_transpose_on_a_bracket_is_an_error():
    with pytest.raises(LatexError, match="transpose"):
        parse_latex(r"(W x)^\top")


def test_a_power_with_T_in_it_is_a_power():
    same(r"x^{T-1}", x ** (S("T") - 1))


def test_odot_is_the_element_wise_product():
    same(r"a \odot b", a * b)


# -- components and sums ----------------------------------------------------------------
def component(name, index):
    return sp.IndexedBase(name, real=True)[index]


@pytest.mark.parametrize("text", [r"\sum_k y_k", r"\sum_{k} y_k", r"\sum_{k=1}^{K} y_k", r"\sum_{k=1}^K y_{k}"])
def test_sums_with_and_without_bounds(text):
    same(text, sp.Sum(component("y", k), (k, 1, K)))


def test_sum_sizes_by_index_letter_and_by_the_caller():
    same(r"\sum_n x_n", sp.Sum(component("x", n), (n, 1, N)))
    same(r"\sum_k y_k", sp.Sum(component("y", k), (k, 1, dim("H"))), sizes={"k": "H"})


def test_a_size_is_the_same_symbol_inside_and_outside_the_sum():
    got = parse_latex(r"\frac{1}{N}\sum_{n=1}^{N} (y_n - w x_n)^2")
    assert got == sp.Sum((component("y", n) - w * component("x", n)) ** 2, (n, 1, N)) / N


def test_a_sum_over_an_unknown_index_needs_bounds():
    with pytest.raises(LatexError, match="size"):
        parse_latex(r"\sum_q y_q")


def test_components_by_index_letter():
    same(r"\hat{y}_j - y_j", component("y_hat", j) - component("y", j))
    same(r"o_{j}", component("o", j))
    same(r"\sum_k y_k \log \hat{y}_k",
         sp.Sum(component("y", k) * sp.log(component("y_hat", k)), (k, 1, K)))
    same(r"\frac{\partial L}{\partial o_j}", component("dL/do", j))


def test_names_given_by_the_caller_stay_whole():
    same(r"W_i x", S("W_i") * x, names={"W_i"})
    same(r"W_i x", component("W", sp.Symbol("i", integer=True, positive=True)) * x)


# -- piecewise and numbers ----------------------------------------------------------------
def test_cases_become_piecewise():
    same(r"\begin{cases} a & x > 0 \\ b & \text{otherwise} \end{cases}",
         sp.Piecewise((a, x > 0), (b, True)))


def test_huber_with_if_and_punctuation():
    r, delta = S("r"), S("delta")
    same(r"\begin{cases} \frac{1}{2} r^2 & \text{if } |r| \le \delta, \\ "
         r"\delta (|r| - \frac{1}{2}\delta) & \text{otherwise.} \end{cases}",
         sp.Piecewise((r ** 2 / 2, sp.Abs(r) <= delta), (delta * (sp.Abs(r) - delta / 2), True)))


@pytest.mark.parametrize("text, value", [
    (r"\frac{1}{2}", sp.Rational(1, 2)),
    (r"-\log 0.7", -sp.log(sp.Rational(7, 10))),
    (r"e^{-1}", sp.exp(-1)),
    (r"0.62", sp.Rational(31, 50)),
    (r"1e-3", sp.Rational(1, 1000)),
    (r"2.5E3", sp.Integer(2500)),
    (r"\sqrt[3]{8}", sp.Integer(2)),
    (r"0.1234567890123456789", sp.Rational(1234567890123456789, 10 ** 19)),
    (r"2 \frac{1}{2}", sp.Integer(1)),       # a product, not the mixed fraction 5/2
    (r"2 3", sp.Integer(6)),
    (r"-2 \frac{1}{2}", sp.Integer(-1)),
    (r"2 (3)", sp.Integer(6)),
])
def test_numbers(text, value):
    same(text, value)


# -- all of a formula or nothing ----------------------------------------------------------------
@pytest.mark.parametrize("text, stopped", [
    (r"\hat{y}_j - y_j . + 100", "stopped at character 17 ('. + 100')"),
    ("x + 1 , 2", "stopped at character 7 (', 2')"),
    ("x ; y", "stopped at character 3 ('; y')"),
    ("x @ y", "stopped at character 3 ('@ y')"),
    ("x # y", "stopped at character 3 ('# y')"),
    ("x ? y", "stopped at character 3 ('? y')"),
    ("x.", "stopped at character 2 ('.')"),
    ("(0, 1)", "stopped at character 3 (', 1)')"),
    ("1,500", "stopped at character 2 (',500')"),  # read as 1500, while 0,500 was 0.5
    ("0,500", "stopped at character 2 (',500')"),
    ("x +", "ends too early"),
    ("x +\n y @ z", "stopped at character 8 ('@ z')"),  # a formula over two lines, shown on one
    (r"\sigma(a . + 1)", "stopped at character 3 ('. + 1')"),
    ("x !! y", "factorial"),
    (r"x \\ y", "new row"),
    ("2x )", "unbalanced"),
    ("\x00\x01", "cannot read"),
    ("2_k", "subscript on a number"),       # the parser drops it
    (r"\tanh_k x", "subscript on a function"),
    ("x^\u00b0", "ASCII"),                   # the parser reads a degree sign as nothing
    ("\u03b1 x", "ASCII"),
])
def test_all_of_a_formula_is_read_or_it_is_refused(text, stopped):
    with pytest.raises(LatexError) as caught:
        parse_latex(text, where="f")
    message = str(caught.value)
    assert stopped in message and "\n" not in message, message


def test_nothing_reaches_standard_output(capfd):
    for text in [r"x @ y", r"\hat{y}_j - y_j . + 100", "x )", r"\frac{1}{2} x"]:
        try:
            parse_latex(text)
        except LatexError:
            pass
    assert capfd.readouterr().out == ""


def test_what_the_parser_prints_goes_to_standard_error_once(capsys):
    # e.g. "ANTLR runtime and generated code versions disagree", printed on every parser made
    for _ in range(3):
        with adapter._stdout_to_stderr():
            print("ANTLR runtime and generated code versions disagree: 4.13.2!=4.9.3")
    out, err = capsys.readouterr()
    assert out == "" and err.count("disagree") == 1


def test_a_missing_parser_is_one_line_and_importing_derive_still_works(monkeypatch):
    adapter._parser_type.cache_clear()
    for name in [n for n in sys.modules if n.startswith("latex2sympy2_extended")] + ["latex2sympy2_extended"]:
        monkeypatch.setitem(sys.modules, name, None)  # its import fails
    try:
        with pytest.raises(LatexError, match="latex2sympy2_extended cannot be loaded") as caught:
            parse_latex("x", where="f")
        assert "\n" not in str(caught.value)
    finally:
        adapter._parser_type.cache_clear()
    code = ("import sys; sys.modules['latex2sympy2_extended'] = None; "
            "import derive.latex.adapter, derive.cli.main; print('antlr4' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


ORDINARY = (r"\left(\log{\left(\frac{\sigma_{2}}{\sigma_{1}} \right)} + \frac{\sigma_{1}^{2} + "
            r"\left(\mu_{1} - \mu_{2}\right)^{2}}{2 \sigma_{2}^{2}} - \frac{1}{2}\right) + "
            r"\left(\frac{\frac{\partial D_{\text{fake}}}{\partial b}}{1 - D_{\text{fake}}} - "
            r"\frac{\frac{\partial D_{\text{real}}}{\partial b}}{D_{\text{real}}}\right) + "
            r"\frac{\partial L}{\partial \hat{y}} x a_{1} \left(1 - a_{1}\right) a_{2} w_{2} "
            r"\left(1 - a_{2}\right) w_{3} \hat{y} \left(1 - \hat{y}\right) + "
            r"\frac{\sum_{k} \log{\left(\frac{p_{k}}{m_{k}} \right)} p_{k}}{2} + "
            r"\frac{\sum_{k} \log{\left(\frac{q_{k}}{m_{k}} \right)} q_{k}}{2} + "
            r"\sigma(w^{T} x + b) \left(1 - \sigma(w^{T} x + b)\right) - \sqrt{\frac{1}{2}}")


def test_an_ordinary_600_character_formula_reads_well_within_the_budget():
    assert len(ORDINARY) >= 600
    parse_latex("x")  # the parser's first use
    start = time.process_time()
    parse_latex(ORDINARY)
    assert time.process_time() - start < adapter.PARSE_SECONDS / 3


# -- hostile and malformed input ------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "x+" * 1000 + "x",                        # too long
    "(" * 120 + "x" + ")" * 120,              # too deep
    r"2^{2^{2^{100}}}",                       # a tower of exponents
    r"x^{2^{2^{100}}}",
    r"\exp(2^{2^{2^{100}}})",
    r"10^{10^{10}}",
    r"\sqrt[2^{2^{100}}]{x}",                 # the parser would compute 1/n eagerly
    r"1e999",
    "x^{" * 60 + "x" + "}" * 60,              # slow for the parser: refused by depth
    r"\frac{1}{", r"x)", "", "   ", "x, y", "x = 1", r"x|_{x=1}", "f'(x)",
    r"\variable{x}", r"\int x dx", r"\infty", r"\binom{10}{5}", r"x \\ y", "x & y",
    r"\frac{\partial^2 L}{\partial w^2}", r"\begin{matrix} 1 \end{matrix}", r"\cdot",
    r"x|^{2}_{1}", r"\|w\|^2", r"\operatorname{ReLU} x",
])
def test_hostile_input_is_refused_quickly_with_one_line(text):
    start = time.process_time()
    with pytest.raises((LatexError, TooComplex)) as caught:
        parse_latex(text, where="test.yaml: field 'L'")
    assert time.process_time() - start < 12  # CPU seconds: the reading budget and a margin
    message = str(caught.value)
    assert "\n" not in message and message.startswith("test.yaml: field 'L'")


def test_not_a_string():
    with pytest.raises(LatexError, match="expected a LaTeX string"):
        parse_latex(3.0)


def test_parser_state_does_not_leak_between_calls():
    # latex2sympy2 (the parser before) overwrote a module global while reading a differential (dx).
    parse_latex(r"\mathrm{d}x")
    same("x y", x * y)


def test_post_check_refuses_unknown_functions_and_latex_names():
    with pytest.raises(LatexError, match="unknown function"):
        adapter._post_check(sp.Function("\\sigma")(x), "f")
    with pytest.raises(LatexError, match="name"):
        adapter._post_check(sp.Symbol("\\hat{y}") + 1, "f")


def test_reserved_placeholder_name_is_refused():
    with pytest.raises(LatexError, match="reserves"):
        parse_latex(r"\mathit{zqph0}")


def test_absolute_values_with_powers_are_not_evaluation_bars():
    same(r"|x - y|^{3}", sp.Abs(x - y) ** 3)
    same(r"\left|a\right| |b|^2", sp.Abs(a) * b ** 2)
