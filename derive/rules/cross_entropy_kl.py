"""Information, entropy, cross-entropy and KL divergence (DL 101, lectures 7 and 16; the fundamentals notes).

Headline: D_KL(p ‖ q) = H(p, q) − H(p), and it is not symmetric:
D_KL(p ‖ q) − D_KL(q ‖ p) = Σ_k (p_k + q_k) log(p_k/q_k).

The information of an outcome is its surprise, I = −log p; the entropy is the
expected information, H(p) = Σ p I; the cross-entropy H(p, q) = −Σ p log q is the
average surprise when outcomes from p are judged by the model q; the KL divergence
is what is left after the entropy of p itself is taken away. In base 2 every one
of them is in bits: log₂ t = log t / log 2, so 1 bit = log 2 ≈ 0.693 nats.
Because H(p) does not depend on q, minimizing the cross-entropy over q is
minimizing the KL: both have the gradient −p/q. The lecture's coin, p(1) = 0.9
against q(1) = 0.6, is the worked example (K = 2). The notes write every one of them
with log₂: declared ``conventions: {log_base: 2}``, I, H, CE, KL, KL_rev and asym are in bits
and the gradients are −p/(q log 2).
"""

from derive.rules._vocabulary import *

K = dim("K")
j, k = symbols("j k", integer=True, positive=True)


@conventional(log_base="e")
def build(c):
    bits = c.log_base == "2"
    rule = Rule(
        "cross_entropy_kl",
        "Entropy, cross-entropy and KL divergence (nats and bits)",
        headline="KL(p||q) = H(p, q) - H(p);  KL(p||q) - KL(q||p) = sum_k (p_k + q_k) "
                 + ("log2(p_k/q_k)" if bits else "log(p_k/q_k)"),
        source="Deep Learning 101, lectures 7 (cross-entropy) and 16 (KL divergence); fundamentals notes "
               "(entropy/CE/KL, the coin p(1) = 0.9 vs q(1) = 0.6)",
        proof_sizes=[{K: 2}, {K: 3}],
        test_sizes={K: 4},
    )

    p = rule.input("p", (K,), Simplex(), note="the true distribution p")
    q = rule.input("q", (K,), Simplex(), note="the model's distribution q")

    lg, unit = c.log, c.unit
    I = rule.quantity("I", -lg(p), note=f"information (surprise) of each outcome, −{c.log_text} p")
    H = rule.quantity("H", -Total(p * lg(p)), note=f"entropy H(p), {unit}")
    CE = rule.quantity("CE", -Total(p * lg(q)), note=f"cross-entropy H(p, q), {unit}")
    KL = rule.quantity("KL", Total(p * lg(p / q)), note=f"KL(p ‖ q), {unit}")
    KL_rev = rule.quantity("KL_rev", Total(q * lg(q / p)), note=f"KL(q ‖ p), {unit}: the other direction")
    asym = rule.quantity("asym", KL - KL_rev, note="KL(p ‖ q) − KL(q ‖ p), not 0 in general")
    rule.quantity("H_bits", -Total(p * log(p, 2)), note="entropy in bits")
    rule.quantity("CE_bits", -Total(p * log(q, 2)), note="cross-entropy in bits")
    rule.quantity("KL_bits", Total(p * log(p / q, 2)), note="KL(p ‖ q) in bits")
    rule.quantity("dCE/dq", -p / q / c.nat, note="gradient of the cross-entropy by q")
    rule.quantity("dKL/dq", -p / q / c.nat, note="gradient of the KL by q: the same")

    log_text = c.log_text
    rule.derive(
        "H",
        Step(H, Total(p * I), why=f"entropy is the expected information: H(p) = Σ p (−{log_text} p)",
             why_ko=f"엔트로피는 정보량의 기댓값: H(p) = Σ p (−{log_text} p)"),
        title="Entropy = expected information",
    )
    rule.derive(
        "KL",
        Step(KL, Total(p * (lg(p) - lg(q))),
             why=f"log of a ratio: {log_text}(p/q) = {log_text} p − {log_text} q",
             why_ko=f"비의 로그: {log_text}(p/q) = {log_text} p − {log_text} q"),
        Step(-Total(p * lg(q)) - (-Total(p * lg(p))), why="split the sum", why_ko="합을 나눈다"),
        Step(CE - H, why="cross-entropy minus entropy", why_ko="교차 엔트로피 빼기 엔트로피"),
        title="KL(p ‖ q) = H(p, q) − H(p)",
    )
    rule.derive(
        "asym",
        Step(asym, Total(p * lg(p / q)) - Total(q * lg(q / p)),
             why="the two directions of the KL", why_ko="쿨백-라이블러 발산의 두 방향"),
        Step(Total((p + q) * lg(p / q)),
             why=f"−q {log_text}(q/p) = q {log_text}(p/q); the sum is not 0 unless p = q, so KL is not symmetric",
             why_ko=f"−q {log_text}(q/p) = q {log_text}(p/q); p = q가 아니면 0이 아니므로 KL은 대칭이 아니다"),
        title="KL is not symmetric",
    )
    for name, measured in (("H_bits", H), ("CE_bits", CE), ("KL_bits", KL)):
        rule.derive(
            name,
            Step(rule.symbol(name), measured * c.nat / log(2),
                 why="already in bits: log₂ is the convention" if bits
                 else "bits against nats: log₂ t = log t / log 2 (1 bit = log 2 ≈ 0.693 nats)",
                 why_ko="이미 비트 단위: log₂가 규약" if bits
                 else "비트와 내트: log₂ t = log t / log 2 (1비트 = log 2 ≈ 0.693내트)"),
            title=f"{name.split('_')[0]} in bits",
        )
    slope = "d/dq log₂ q = 1/(q log 2)" if bits else "d/dq log q = 1/q"
    rule.derive(
        "dKL/dq",
        Step(Derivative(KL, q[j]), Derivative(CE - H, q[j]),
             why="KL(p ‖ q) = H(p, q) − H(p)", why_ko="KL(p ‖ q) = H(p, q) − H(p)"),
        Step(Derivative(-Sum(p[k] * lg(q[k]), (k, 1, K)), q[j]),
             why="H(p) does not depend on q: minimizing the cross-entropy minimizes the KL",
             why_ko="H(p)는 q와 무관하다: 교차 엔트로피를 줄이는 것이 곧 KL을 줄이는 것"),
        Step(-p[j] / q[j] / c.nat, why=f"only the k = j term depends on q_j; {slope}",
             why_ko=f"k = j 항만 q_j에 의존한다; {slope}"),
        index=(j,),
        title="Gradient by the model's distribution",
    )
    return rule


register(build())
