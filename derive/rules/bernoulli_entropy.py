"""The entropy of a coin, maximal at θ = ½ (the fundamentals notes' entropy curve; DL 101, lecture 7).

Headline: H(θ) = −θ log θ − (1 − θ) log(1 − θ); dH/dθ = log((1 − θ)/θ) = 0 only at θ = ½,
where H = log 2 nats = 1 bit; log 2 − H(θ) = KL(Bern(θ) ‖ Bern(½)) >= 0.

A coin that lands 1 with probability θ is least predictable at θ = ½ (the lecture's
football teams: 0.9 or 0.1 is predictable, 0.5 is not). SymPy finds the maximum
when this module is imported: it differentiates H and solves dH/dθ = 0; the
second derivative −1/(θ(1 − θ)) < 0 makes it a maximum. The gap to the maximum
is itself a KL divergence, from the fair coin, hence never negative.
"""

import sympy as sp

from derive.rules._vocabulary import *

rule = Rule(
    "bernoulli_entropy",
    "Entropy of a coin (Bernoulli), maximal at theta = 1/2",
    headline="dH/dtheta = log((1 - theta)/theta) = 0 at theta = 1/2; H(1/2) = log 2 = 1 bit",
    source="Fundamentals notes (entropy of a Bernoulli variable, maximal at 0.5); Deep Learning 101, lecture 7",
)

theta = rule.input("theta", (), Unit(), note="probability that the coin shows 1")


def coin_entropy(t):
    return -t * log(t) - (1 - t) * log(1 - t)


H = rule.quantity("H", coin_entropy(theta), note="entropy in nats")
rule.quantity("H_bits", H / log(2), note="entropy in bits")
dH_dtheta = rule.quantity("dH/dtheta", log((1 - theta) / theta), note="slope of the entropy")
curvature = rule.quantity("curvature", -1 / (theta * (1 - theta)), note="d²H/dθ², negative everywhere")

# SymPy finds the stationary point and the value there.
t = sp.Symbol("t", positive=True)
(theta_star,) = sp.solve(sp.Eq(sp.diff(coin_entropy(t), t), 0), t)
H_max = sp.simplify(coin_entropy(theta_star))

gap = rule.quantity("gap", log(2) - H, note="distance below the maximum log 2")

rule.derive(
    "dH/dtheta",
    Step(Derivative(H, theta), -log(theta) - 1 + log(1 - theta) + 1,
         why="product rule on θ log θ and (1 − θ) log(1 − θ)",
         why_ko="θ log θ와 (1 − θ) log(1 − θ)에 곱의 미분 법칙"),
    Step(log((1 - theta) / theta), why="the ±1 cancel; log a − log b = log(a/b)",
         why_ko="±1이 상쇄되고 log a − log b = log(a/b)"),
    title="Slope of the entropy",
)
rule.derive(
    "curvature",
    Step(Derivative(H, theta, 2), Derivative(log(1 - theta) - log(theta), theta),
         why="differentiate the slope once more", why_ko="기울기를 한 번 더 미분한다"),
    Step(-1 / (1 - theta) - 1 / theta, why="d/dθ log(1 − θ) = −1/(1 − θ), d/dθ log θ = 1/θ",
         why_ko="d/dθ log(1 − θ) = −1/(1 − θ), d/dθ log θ = 1/θ"),
    Step(-1 / (theta * (1 - theta)), why="common denominator: negative for 0 < θ < 1, so a maximum",
         why_ko="통분하면 0 < θ < 1에서 음수: 그러므로 최댓값"),
    title="Second derivative: the stationary point is a maximum",
)
rule.derive(
    "gap",
    Step(gap, H_max - H,
         why=f"SymPy solves dH/dθ = log((1 − θ)/θ) = 0: θ = {theta_star}, where H = {H_max}",
         why_ko=f"SymPy가 dH/dθ = log((1 − θ)/θ) = 0을 푼다: θ = {theta_star}, 이때 H = {H_max}"),
    Step(theta * log(theta / theta_star) + (1 - theta) * log((1 - theta) / (1 - theta_star)),
         why="write log 2 = θ log 2 + (1 − θ) log 2: the gap is KL(Bern(θ) ‖ Bern(½)) >= 0",
         why_ko="log 2 = θ log 2 + (1 − θ) log 2: 차이는 쿨백-라이블러 발산 KL(Bern(θ) ‖ Bern(½)) >= 0"),
    title="H(θ) <= H(½) = log 2: the gap is a KL divergence",
)

register(rule)
