"""The entropy of a coin, maximal at θ = ½ (the fundamentals notes' entropy curve; DL 101, lecture 7).

Headline: H(θ) = −θ log θ − (1 − θ) log(1 − θ); dH/dθ = log((1 − θ)/θ) = 0 only at θ = ½,
where H = log 2 nats = 1 bit; log 2 − H(θ) = KL(Bern(θ) ‖ Bern(½)) >= 0.

A coin that lands 1 with probability θ is least predictable at θ = ½ (the lecture's
football teams: 0.9 or 0.1 is predictable, 0.5 is not). SymPy finds the maximum
when this module is imported: it differentiates H and solves dH/dθ = 0; the
second derivative −1/(θ(1 − θ)) < 0 makes it a maximum. The gap to the maximum
is itself a KL divergence, from the fair coin, hence never negative. Declared
``conventions: {log_base: 2}`` (the notes' H(θ) = −θ log₂ θ − (1 − θ) log₂(1 − θ)) every
quantity is in bits: the maximum is 1 and the slope log₂((1 − θ)/θ).
"""

import sympy as sp

from derive.rules._vocabulary import *



def coin_entropy(t):
    return -t * log(t) - (1 - t) * log(1 - t)


# SymPy finds the stationary point and the value there, once (in nats).
t = sp.Symbol("t", positive=True)
(theta_star,) = sp.solve(sp.Eq(sp.diff(coin_entropy(t), t), 0), t)
H_max = sp.simplify(coin_entropy(theta_star))


@conventional(log_base="e")
def build(c):
    bits = c.log_base == "2"
    rule = Rule(
        "bernoulli_entropy",
        "Entropy of a coin (Bernoulli), maximal at theta = 1/2",
        headline="dH/dtheta = log2((1 - theta)/theta) = 0 at theta = 1/2; H(1/2) = 1 bit" if bits
        else "dH/dtheta = log((1 - theta)/theta) = 0 at theta = 1/2; H(1/2) = log 2 = 1 bit",
        source="Fundamentals notes (entropy of a Bernoulli variable, maximal at 0.5); Deep Learning 101, lecture 7",
    )

    theta = rule.input("theta", (), Unit(), note="probability that the coin shows 1")

    H = rule.quantity("H", coin_entropy(theta) / c.nat, note=f"entropy in {c.unit}")
    rule.quantity("H_bits", H * c.nat / log(2), note="entropy in bits")
    rule.quantity("dH/dtheta", c.log((1 - theta) / theta), note="slope of the entropy")
    rule.quantity("curvature", -1 / (theta * (1 - theta)) / c.nat, note="d²H/dθ², negative everywhere")
    gap = rule.quantity("gap", c.log(2) - H, note="distance below the maximum 1 bit" if bits else "distance below the maximum log 2")

    log_text = c.log_text
    rule.derive(
        "dH/dtheta",
        Step(Derivative(H, theta), (-log(theta) - 1 + log(1 - theta) + 1) / c.nat,
             why=f"product rule on θ {log_text} θ and (1 − θ) {log_text}(1 − θ)",
             why_ko=f"θ {log_text} θ와 (1 − θ) {log_text}(1 − θ)에 곱의 미분 법칙"),
        Step(c.log((1 - theta) / theta), why=f"the ±1 cancel; {log_text} a − {log_text} b = {log_text}(a/b)",
             why_ko=f"±1이 상쇄되고 {log_text} a − {log_text} b = {log_text}(a/b)"),
        title="Slope of the entropy",
    )
    rule.derive(
        "curvature",
        Step(Derivative(H, theta, 2), Derivative(c.log(1 - theta) - c.log(theta), theta),
             why="differentiate the slope once more", why_ko="기울기를 한 번 더 미분한다"),
        Step((-1 / (1 - theta) - 1 / theta) / c.nat,
             why="d/dθ log(1 − θ) = −1/(1 − θ), d/dθ log θ = 1/θ" + (", over log 2" if bits else ""),
             why_ko="d/dθ log(1 − θ) = −1/(1 − θ), d/dθ log θ = 1/θ" + (", log 2로 나눈다" if bits else "")),
        Step(-1 / (theta * (1 - theta)) / c.nat, why="common denominator: negative for 0 < θ < 1, so a maximum",
             why_ko="통분하면 0 < θ < 1에서 음수: 그러므로 최댓값"),
        title="Second derivative: the stationary point is a maximum",
    )
    most = H_max / c.nat
    most_text = "1" if bits else "log 2"
    split = ("write 1 = θ + (1 − θ): the gap is KL(Bern(θ) ‖ Bern(½)) in bits, >= 0",
             "1 = θ + (1 − θ): 차이는 비트 단위의 쿨백-라이블러 발산 KL(Bern(θ) ‖ Bern(½)) >= 0") if bits else \
        ("write log 2 = θ log 2 + (1 − θ) log 2: the gap is KL(Bern(θ) ‖ Bern(½)) >= 0",
         "log 2 = θ log 2 + (1 − θ) log 2: 차이는 쿨백-라이블러 발산 KL(Bern(θ) ‖ Bern(½)) >= 0")
    rule.derive(
        "gap",
        Step(gap, most - H,
             why=f"SymPy solves dH/dθ = {log_text}((1 − θ)/θ) = 0: θ = {theta_star}, where H = {most}",
             why_ko=f"SymPy가 dH/dθ = {log_text}((1 − θ)/θ) = 0을 푼다: θ = {theta_star}, 이때 H = {most}"),
        Step((theta * log(theta / theta_star) + (1 - theta) * log((1 - theta) / (1 - theta_star))) / c.nat,
             why=split[0], why_ko=split[1]),
        title=f"H(θ) <= H(½) = {most_text}: the gap is a KL divergence",
    )
    return rule


register(build())
