"""The Jensen–Shannon divergence and its bound log 2 (DL 101, lecture 16; the GAN objective's divergence).

Headline: JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = ½(p + q);
JSD = log 2 + ½ Σ_k [p_k log(p_k/(p_k + q_k)) + q_k log(q_k/(p_k + q_k))] <= log 2 = 1 bit;
∂JSD/∂p = ½ log(p/m).

The KL is not symmetric and can be infinite; the JSD compares both distributions
with their midpoint, so it is symmetric and finite. Since p/m = 2p/(p + q), each
KL contributes log 2 plus a sum of logarithms of fractions p/(p + q) <= 1; those
logarithms are never positive, so JSD <= log 2, with equality only when p and q
never put mass on the same outcome. In bits the JSD lies between 0 and 1, the
lecture's "normalized to 0..1"; declared ``conventions: {log_base: 2}``, JSD itself is
in bits and the bound is 1.
"""

from derive.rules._vocabulary import *

K = dim("K")
j = symbols("j", integer=True, positive=True)


@conventional(log_base="e")
def build(c):
    bits = c.log_base == "2"
    rule = Rule(
        "jsd",
        "Jensen-Shannon divergence, bounded by log 2",
        headline="JSD = 1/2 KL(p||m) + 1/2 KL(q||m) <= 1 bit;  dJSD/dp = 1/2 log2(p/m)" if bits
        else "JSD = 1/2 KL(p||m) + 1/2 KL(q||m) <= log 2;  dJSD/dp = 1/2 log(p/m)",
        source="Deep Learning 101, lecture 16 (KL divergence: asymmetry and the Jensen-Shannon divergence)",
        proof_sizes=[{K: 2}, {K: 3}],
        test_sizes={K: 4},
    )

    p = rule.input("p", (K,), Simplex(), note="first distribution")
    q = rule.input("q", (K,), Simplex(), note="second distribution")

    lg = c.log
    m = rule.quantity("m", (p + q) / 2, note="the midpoint distribution")
    JSD = rule.quantity("JSD", Total(p * lg(p / m)) / 2 + Total(q * lg(q / m)) / 2, note=c.unit)
    rule.quantity("JSD_bits", JSD * c.nat / log(2), note="in bits: between 0 and 1")
    bound = lg(2)
    gap = rule.quantity("gap", bound - JSD, note="distance below the bound " + ("1 bit" if bits else "log 2"))
    rule.quantity("dJSD/dp", lg(p / m) / 2, note="gradient by p")
    rule.quantity("dJSD/dq", lg(q / m) / 2, note="gradient by q")

    share_p = Total(p * lg(p / (p + q)))
    share_q = Total(q * lg(q / (p + q)))

    log_text, bound_text = c.log_text, "1" if bits else "log 2"
    rule.derive(
        "JSD",
        Step(JSD, Total(p * (bound + lg(p / (p + q)))) / 2 + Total(q * (bound + lg(q / (p + q)))) / 2,
             why=f"p/m = 2p/(p + q): each {log_text} splits into {log_text} 2 and a {log_text} of a fraction",
             why_ko=f"p/m = 2p/(p + q): 각 로그가 {log_text} 2와 분수의 로그로 나뉜다"),
        Step(bound + (share_p + share_q) / 2,
             why=f"Σ p = Σ q = 1: the {log_text} 2 terms add up to {bound_text}",
             why_ko=f"Σ p = Σ q = 1: {log_text} 2 항들의 합은 {bound_text}"),
        title=f"JSD = {bound_text} + ½ Σ [p {log_text}(p/(p + q)) + q {log_text}(q/(p + q))]",
    )
    rule.derive(
        "gap",
        Step(gap, -(share_p + share_q) / 2,
             why=f"p/(p + q) <= 1 and q/(p + q) <= 1, so every log is <= 0: JSD <= {bound_text} (1 bit)",
             why_ko=f"p/(p + q) <= 1, q/(p + q) <= 1 이므로 모든 로그는 0 이하: JSD <= {bound_text} (1비트)"),
        title=f"The bound {bound_text}",
    )
    rule.derive(
        "dJSD/dp",
        Step(Derivative(JSD, p[j]),
             (log(p[j]) + 1 - log(m[j]) - (p[j] + q[j]) / (2 * m[j])) / 2 / c.nat,
             why=f"product rule on p {log_text} p; m depends on p: ∂m_j/∂p_j = ½",
             why_ko=f"p {log_text} p에 곱의 미분 법칙; m도 p에 의존한다: ∂m_j/∂p_j = ½"),
        Step(lg(p[j] / m[j]) / 2, why="p_j + q_j = 2 m_j: the constants cancel",
             why_ko="p_j + q_j = 2 m_j: 상수항이 상쇄된다"),
        index=(j,),
        title="Gradient by p",
    )
    return rule


register(build())
