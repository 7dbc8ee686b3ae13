"""The theory of GANs on a discrete data space: the optimal discriminator D* = p_data/(p_data + p_g)
and the value of the game at D*, V(D*, G) = −log 4 + 2 JSD(p_data ‖ p_g) (Goodfellow et al., 2014;
the GAN lecture's "판별자가 최적일 때 생성자는 JSD 를 최소화한다").

Headline: V(D) = Σ_x p(x) log D(x) + Σ_x q(x) log(1 − D(x)) has ∂V/∂D(x) = p/D − q/(1 − D), which
is 0 at D* = p/(p + q); there V = Σ p log(p/(p + q)) + Σ q log(q/(p + q)) = −log 4 + 2 JSD(p ‖ q),
so the generator's best is q = p, where JSD = 0, D* = ½ everywhere and V = −log 4.

p is the data's distribution over K outcomes, q the generator's; D gives each outcome the
discriminator's probability that it is real.
"""

from sympy import Add

from derive.rules._vocabulary import *

K = dim("K")
j = symbols("j", integer=True, positive=True)

rule = Rule(
    "gan_optimum",
    "GAN theory: the optimal discriminator and V(D*, G) = -log 4 + 2 JSD",
    headline="D* = p/(p + q); V(D*, G) = -log 4 + 2 JSD(p || q)",
    source="GAN lecture: the minimax game, the optimal discriminator and the Jensen-Shannon divergence",
    proof_sizes=[{K: 2}, {K: 3}],
    test_sizes={K: 4},
    title_ko="GAN 이론: 최적 판별자와 V(D*, G) = −log 4 + 2 JSD",
    source_ko="GAN 강의: 미니맥스 게임, 최적 판별자, 젠슨-섀넌 발산",
)
p = rule.input("p", (K,), Simplex(), note="the data's distribution p_data", note_ko="데이터의 분포 p_data")
q = rule.input("q", (K,), Simplex(), note="the generator's distribution p_g", note_ko="생성자의 분포 p_g")
D = rule.input("D", (K,), Unit(), note="the discriminator's probability of 'real' for each outcome",
               note_ko="결과마다 판별자가 '진짜'라고 할 확률")

V = rule.quantity("V", Total(p * log(D)) + Total(q * log(1 - D)),
                  note="the value: E_p[log D] + E_q[log(1 − D)]", note_ko="가치 함수: E_p[log D] + E_q[log(1 − D)]")
dV_dD = rule.quantity("dV/dD", p / D - q / (1 - D), note="its gradient by the discriminator", note_ko="판별자에 대한 기울기")
D_star = rule.quantity("D_star", p / (p + q), note="the optimal discriminator p/(p + q)", note_ko="최적 판별자 p/(p + q)")
# 1 − D* is q/(p + q): computed so, it keeps its digits where p ≫ q (1 − D* would round to 0)
rule.quantity("g_star", p / D_star - q / (1 - D_star), stable=p / D_star - (p + q), note="∂V/∂D at D*: zero",
              note_ko="D* 에서의 기울기 ∂V/∂D: 0")
m = rule.quantity("m", (p + q) / 2, note="the midpoint distribution", note_ko="중간 분포")
JSD = rule.quantity("JSD", Total(p * log(p / m)) / 2 + Total(q * log(q / m)) / 2,
                    note="Jensen-Shannon divergence", note_ko="젠슨-섀넌 발산")
rule.quantity("V_star", Total(p * log(D_star)) + Total(q * log(1 - D_star)),
              stable=Total(p * log(D_star)) + Total(q * log(q / (p + q))), note="the value at D*",
              note_ko="D* 에서의 가치")
rule.quantity("V_star_jsd", -log(4) + 2 * JSD, note="the same value as −log 4 + 2 JSD", note_ko="같은 가치를 −log 4 + 2 JSD 로")

rule.derive(
    "dV/dD",
    Step(Derivative(V, D[j]), p[j] * Derivative(log(D[j]), D[j]) + q[j] * Derivative(log(1 - D[j]), D[j]),
         why="only outcome j's two terms hold D_j", why_ko="결과 j 의 두 항만 D_j 를 담는다"),
    Step(p[j] / D[j] - q[j] / (1 - D[j]), why="d log D/dD = 1/D, d log(1 − D)/dD = −1/(1 − D)",
         why_ko="d log D/dD = 1/D, d log(1 − D)/dD = −1/(1 − D)"),
    index=(j,),
    title="The discriminator's gradient", title_ko="판별자의 기울기",
)
rule.derive(
    "g_star",
    # unevaluated: SymPy would cancel (p + q) − (p + q) to 0 and hide the step
    Step(p[j] / D_star[j] - q[j] / (1 - D_star[j]),
         Add(p[j] + q[j], Mul(-1, p[j] + q[j], evaluate=False), evaluate=False),
         why="D* = p/(p + q) and 1 − D* = q/(p + q)", why_ko="D* = p/(p + q), 1 − D* = q/(p + q)"),
    Step(0, why="both terms are p + q: D* is where the gradient vanishes (V is concave in D)",
         why_ko="두 항 모두 p + q: 기울기가 0 이 되는 곳이 D* (V 는 D 에 대해 오목)"),
    index=(j,),
    title="D* = p/(p + q) makes the gradient 0", title_ko="D* = p/(p + q) 에서 기울기는 0",
)
rule.derive(
    "V_star_jsd",
    Step(rule.symbol("V_star"), Total(p * log(p / (p + q))) + Total(q * log(q / (p + q))),
         why="D* = p/(p + q), 1 − D* = q/(p + q)", why_ko="D* = p/(p + q), 1 − D* = q/(p + q)"),
    Step(Total(p * log(p / (2 * m))) + Total(q * log(q / (2 * m))), why="p + q = 2m", why_ko="p + q = 2m"),
    Step(Total(p * log(p / m)) + Total(q * log(q / m)) - log(2) * (Total(p) + Total(q)),
         why="log(a/(2m)) = log(a/m) − log 2", why_ko="log(a/(2m)) = log(a/m) − log 2"),
    Step(2 * JSD - log(4), why="Σ p = Σ q = 1, so −log 2 · 2 = −log 4; the rest is 2 JSD",
         why_ko="Σ p = Σ q = 1 이므로 −log 2 · 2 = −log 4; 나머지가 2 JSD"),
    title="V(D*, G) = −log 4 + 2 JSD(p ‖ q)", title_ko="D* 에서의 가치: V(D*, G) = −log 4 + 2 JSD(p ‖ q)",
)

register(rule)
