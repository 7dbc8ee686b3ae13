"""Weight initialization: the variance argument and the Xavier and He scales derived from it
(lecture notes: "가중치 초기화 기법 정리").

Headline: with the weights w_i and inputs x_i of a neuron independent with mean 0,
Var(s) = Var(Σ_i w_i x_i) = n_in Var(w) Var(x): the pre-activation's variance grows with the fan-in
unless Var(w) = 1/n_in. Xavier (Glorot) asks it of the forward and the backward pass at once and
settles on their average, Var(w) = 2/(n_in + n_out) (uniform on ±√(6/(n_in + n_out)), since
Var(U(−a, a)) = a²/3). A ReLU keeps half of a symmetric s's second moment, E[ReLU(s)²] = Var(s)/2, so
He doubles it: Var(w) = 2/n_in, and the layer keeps its input's second moment.

The fan-in n_in is the length D of the vectors w and x (a sample of the random weights and inputs);
Var(w), Var(x) and the fan-out n_out are numbers.
"""

from sympy import Integral, oo

from derive.rules import _gaussian
from derive.rules._vocabulary import *
from derive.symbolic.arrays import Expected

D = dim("D")
i, j = symbols("i j", integer=True, positive=True)
t = symbols("t", real=True)

rule = Rule(
    "weight_init",
    "Weight initialization: Var(s) = n_in Var(w) Var(x), Xavier and He",
    headline="Var(s) = n_in Var(w) Var(x); Xavier Var(w) = 2/(n_in + n_out); He Var(w) = 2/n_in",
    source="Lecture notes: weight initialization (Xavier, He)",
    proof_sizes=[{D: 1}, {D: 2}, {D: 3}],
    test_sizes={D: 4},
    title_ko="가중치 초기화: Var(s) = n_in Var(w) Var(x), Xavier 와 He",
    source_ko="강의 노트: 가중치 초기화 기법 (Xavier, He)",
)

w = rule.input("w", (D,), note="one neuron's weights (a draw of the random initial weights; n_in = D of them)",
               note_ko="뉴런 하나의 가중치 (무작위 초기 가중치의 한 표본, n_in = D 개)")
x = rule.input("x", (D,), note="its inputs (a draw)", note_ko="그 입력 (한 표본)")
var_w = rule.input("var_w", (), Positive(), note="variance of every weight, Var(w)", note_ko="가중치마다의 분산 Var(w)")
var_x = rule.input("var_x", (), Positive(), note="variance of every input, Var(x)", note_ko="입력마다의 분산 Var(x)")
n_out = rule.input("n_out", (), Count(), note="fan-out: the units of the next layer", note_ko="팬아웃: 다음 층의 뉴런 수")

rule.quantity("s", Total(w * x), note="the pre-activation of the draw, Σ w_i x_i", note_ko="표본의 가중합 Σ w_i x_i")
var_s = rule.quantity("var_s", D * var_w * var_x, note="variance of the pre-activation", note_ko="가중합의 분산")
rule.quantity("m2_relu", var_s / 2, note="second moment of ReLU(s) for a normal s", note_ko="정규분포 s 에 대한 ReLU(s) 의 2차 적률")
var_xavier = rule.quantity("var_xavier", 2 / (D + n_out), note="Xavier's Var(w) = 2/(n_in + n_out)",
                           note_ko="Xavier 의 Var(w) = 2/(n_in + n_out)")
rule.quantity("limit_xavier", sqrt(3 * var_xavier), note="Xavier uniform: w ~ U(−a, a) with a = √(6/(n_in + n_out))",
              note_ko="Xavier 균등분포: w ~ U(−a, a), a = √(6/(n_in + n_out))")
var_he = rule.quantity("var_he", 2 / D, note="He's Var(w) = 2/n_in", note_ko="He 의 Var(w) = 2/n_in")
rule.quantity("std_he", sqrt(var_he), note="He normal: w ~ N(0, 2/n_in), standard deviation √(2/n_in)",
              note_ko="He 정규분포: w ~ N(0, 2/n_in), 표준편차 √(2/n_in)")
rule.quantity("m2_he", D * var_he * var_x / 2, note="E[ReLU(s)²] with He's weights: the input's Var(x) again",
              note_ko="He 가중치에서 E[ReLU(s)²]: 다시 입력의 Var(x)")

randoms = (w, var_w, x, var_x)
s_sum = Total(w * x)
rule.derive(
    "var_s",
    Step(Expected(s_sum ** 2, *randoms) - Expected(s_sum, *randoms) ** 2,
         Sum(Sum(Expected(w[i] * x[i] * w[j] * x[j], *randoms), (j, 1, D)), (i, 1, D)),
         why="Var(s) = E[s²] − E[s]²; E[s] = Σ E[w_i] E[x_i] = 0 (independent, mean 0); expand the square",
         why_ko="Var(s) = E[s²] − E[s]², E[s] = Σ E[w_i] E[x_i] = 0 (독립, 평균 0), 제곱을 전개한다"),
    Step(Sum(Expected(w[i] ** 2, *randoms) * Expected(x[i] ** 2, *randoms), (i, 1, D)),
         why="a term with i ≠ j has the factor E[w_i] = 0; for i = j, E[w_i² x_i²] = E[w_i²] E[x_i²] (independent)",
         why_ko="i ≠ j 인 항에는 E[w_i] = 0 이 곱해져 있고, i = j 이면 E[w_i² x_i²] = E[w_i²] E[x_i²] (독립)"),
    Step(D * var_w * var_x, why="E[w_i²] = Var(w) and E[x_i²] = Var(x) (mean 0), n_in = D equal terms",
         why_ko="E[w_i²] = Var(w), E[x_i²] = Var(x) (평균 0), 같은 항이 n_in = D 개"),
    title="The variance of a pre-activation",
    title_ko="가중합의 분산",
)
sd = sqrt(var_s)
rule.derive(
    "m2_relu",
    Step(Integral(relu(t) ** 2 * _gaussian.density(t, 0, sd), (t, -oo, oo)),
         Integral(t ** 2 * _gaussian.density(t, 0, sd), (t, -oo, oo)) / 2,
         why="E[ReLU(s)²] = ∫ ReLU(t)² p(t) dt: 0 for t < 0, t² for t > 0; the normal density is symmetric, so half of ∫ t² p(t) dt",
         why_ko="E[ReLU(s)²] = ∫ ReLU(t)² p(t) dt: t < 0 이면 0, t > 0 이면 t²; 정규분포 밀도는 대칭이라 ∫ t² p(t) dt 의 절반"),
    Step(var_s / 2, why="∫ t² p(t) dt = E[s²] = Var(s) (mean 0), integrated by SymPy",
         why_ko="∫ t² p(t) dt = E[s²] = Var(s) (평균 0), SymPy 가 적분한다"),
    title="A ReLU keeps half the second moment",
    title_ko="ReLU 는 2차 적률의 절반을 남긴다",
)
rule.derive(
    "m2_he",
    Step(D * var_he * var_x / 2, Mul(D, Mul(2, 1 / D, evaluate=False), var_x, Rational(1, 2), evaluate=False),
         why="He's choice Var(w) = 2/n_in in E[ReLU(s)²] = n_in Var(w) Var(x)/2",
         why_ko="He 의 선택 Var(w) = 2/n_in 을 E[ReLU(s)²] = n_in Var(w) Var(x)/2 에 넣는다"),
    Step(var_x, why="the 2 undoes the ReLU's half: the layer keeps its input's second moment",
         why_ko="2 가 ReLU 의 절반을 되돌린다: 층이 입력의 2차 적률을 유지한다"),
    title="He's scale keeps the signal through ReLU layers",
    title_ko="He 의 배율은 ReLU 층을 지나도 신호를 유지한다",
)
rule.derive(
    "var_xavier",
    Step(var_xavier, 1 / ((D + n_out) / 2),
         why="forward wants n_in Var(w) = 1, backward n_out Var(w) = 1; both cannot hold, their average "
             "(n_in + n_out)/2 · Var(w) = 1 is Xavier's compromise",
         why_ko="순전파는 n_in Var(w) = 1, 역전파는 n_out Var(w) = 1 을 원한다; 둘 다는 안 되므로 평균 "
                "(n_in + n_out)/2 · Var(w) = 1 이 Xavier 의 절충"),
    title="Xavier: the forward and the backward pass together",
    title_ko="Xavier: 순전파와 역전파를 함께",
)

register(rule)
