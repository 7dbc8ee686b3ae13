"""The Jensen–Shannon divergence and its bound log 2 (DL 101, lecture 16; the GAN objective's divergence).

Headline: JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = ½(p + q);
JSD = log 2 + ½ Σ_k [p_k log(p_k/(p_k + q_k)) + q_k log(q_k/(p_k + q_k))] <= log 2 = 1 bit;
∂JSD/∂p = ½ log(p/m).

The KL is not symmetric and can be infinite; the JSD compares both distributions
with their midpoint, so it is symmetric and finite. Since p/m = 2p/(p + q), each
KL contributes log 2 plus a sum of logarithms of fractions p/(p + q) <= 1; those
logarithms are never positive, so JSD <= log 2, with equality only when p and q
never put mass on the same outcome. In bits the JSD lies between 0 and 1, the
lecture's "normalized to 0..1".
"""

from derive.rules._vocabulary import *

K = dim("K")
j = symbols("j", integer=True, positive=True)

rule = Rule(
    "jsd",
    "Jensen-Shannon divergence, bounded by log 2",
    headline="JSD = 1/2 KL(p||m) + 1/2 KL(q||m) <= log 2;  dJSD/dp = 1/2 log(p/m)",
    source="Deep Learning 101, lecture 16 (KL divergence: asymmetry and the Jensen-Shannon divergence)",
    proof_sizes=[{K: 2}, {K: 3}],
    test_sizes={K: 4},
)

p = rule.input("p", (K,), Simplex(), note="first distribution")
q = rule.input("q", (K,), Simplex(), note="second distribution")

m = rule.quantity("m", (p + q) / 2, note="the midpoint distribution")
JSD = rule.quantity("JSD", Total(p * log(p / m)) / 2 + Total(q * log(q / m)) / 2, note="nats")
rule.quantity("JSD_bits", JSD / log(2), note="in bits: between 0 and 1")
gap = rule.quantity("gap", log(2) - JSD, note="distance below the bound log 2")
rule.quantity("dJSD/dp", log(p / m) / 2, note="gradient by p")
rule.quantity("dJSD/dq", log(q / m) / 2, note="gradient by q")

share_p = Total(p * log(p / (p + q)))
share_q = Total(q * log(q / (p + q)))

rule.derive(
    "JSD",
    Step(JSD, Total(p * (log(2) + log(p / (p + q)))) / 2 + Total(q * (log(2) + log(q / (p + q)))) / 2,
         why="p/m = 2p/(p + q): each log splits into log 2 and a log of a fraction",
         why_ko="p/m = 2p/(p + q): 각 로그가 log 2와 분수의 로그로 나뉜다"),
    Step(log(2) + (share_p + share_q) / 2,
         why="Σ p = Σ q = 1: the log 2 terms add up to log 2",
         why_ko="Σ p = Σ q = 1: log 2 항들의 합은 log 2"),
    title="JSD = log 2 + ½ Σ [p log(p/(p + q)) + q log(q/(p + q))]",
)
rule.derive(
    "gap",
    Step(gap, -(share_p + share_q) / 2,
         why="p/(p + q) <= 1 and q/(p + q) <= 1, so every log is <= 0: JSD <= log 2 (1 bit)",
         why_ko="p/(p + q) <= 1, q/(p + q) <= 1 이므로 모든 로그는 0 이하: JSD <= log 2 (1비트)"),
    title="The bound log 2",
)
rule.derive(
    "dJSD/dp",
    Step(Derivative(JSD, p[j]),
         (log(p[j]) + 1 - log(m[j]) - (p[j] + q[j]) / (2 * m[j])) / 2,
         why="product rule on p log p; m depends on p: ∂m_j/∂p_j = ½",
         why_ko="p log p에 곱의 미분 법칙; m도 p에 의존한다: ∂m_j/∂p_j = ½"),
    Step(log(p[j] / m[j]) / 2, why="p_j + q_j = 2 m_j: the constants cancel",
         why_ko="p_j + q_j = 2 m_j: 상수항이 상쇄된다"),
    index=(j,),
    title="Gradient by p",
)

register(rule)
