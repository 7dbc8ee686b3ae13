"""The words of a matrix-form derivation in Korean: the identities' names and the output's labels.

A step's reason is English in :mod:`derive.matrix.differentiate` (one line naming the identity);
here each has its Korean, in the notes' terms (:mod:`derive.printing.glossary`). The formula
inside a reason stays as it is: mathematics reads the same in both languages.
"""

from __future__ import annotations

import re

from derive.printing import glossary as g

REASONS_KO = {
    "sum rule: each term gets ∂f/∂(a + b)": f"{g.SUM_RULE}: 각 항이 ∂f/∂(a + b)를 그대로 받는다",
    "product rule: ∂(s a)/∂s = ⟨∂f/∂(s a), a⟩": f"{g.PRODUCT_RULE}: ∂(s a)/∂s = ⟨∂f/∂(s a), a⟩",
    "a scalar factor stays: ∂(s a)/∂a = s": "스칼라 계수는 그대로 남는다: ∂(s a)/∂a = s",
    "linear map: ∂f/∂W = δ xᵀ with δ = ∂f/∂(W x)": "선형 변환: δ = ∂f/∂(W x)일 때 ∂f/∂W = δ xᵀ",
    "linear map: ∂f/∂x = Wᵀ δ with δ = ∂f/∂(W x)": "선형 변환: δ = ∂f/∂(W x)일 때 ∂f/∂x = Wᵀ δ",
    "matrix product: d(AB) = dA B + A dB, so ∂f/∂A = G Bᵀ": "행렬 곱: d(AB) = dA B + A dB이므로 ∂f/∂A = G Bᵀ",
    "matrix product: d(AB) = dA B + A dB, so ∂f/∂B = Aᵀ G": "행렬 곱: d(AB) = dA B + A dB이므로 ∂f/∂B = Aᵀ G",
    "element-wise product: ∂f/∂a = G ⊙ b": "원소별 곱: ∂f/∂a = G ⊙ b",
    "element-wise product: ∂f/∂b = G ⊙ a": "원소별 곱: ∂f/∂b = G ⊙ a",
    "quotient: ∂(a/d)/∂a = 1/d": "나눗셈: ∂(a/d)/∂a = 1/d",
    "quotient rule: ∂(a/d)/∂d = −a/d²": f"{g.QUOTIENT_RULE}: ∂(a/d)/∂d = −a/d²",
    "transpose: ∂f/∂a = (∂f/∂aᵀ)ᵀ": "전치: ∂f/∂a = (∂f/∂aᵀ)ᵀ",
    "element-wise σ: Jacobian diag(σ′(a)), σ′ = σ(1 − σ)": f"원소별 {g.SIGMOID}: {g.JACOBIAN} diag(σ′(a)), σ′ = σ(1 − σ)",
    "element-wise tanh: Jacobian diag(1 − tanh²(a))": f"원소별 tanh: {g.JACOBIAN} diag(1 − tanh²(a))",
    "element-wise exp: Jacobian diag(exp(a))": f"원소별 exp: {g.JACOBIAN} diag(exp(a))",
    "element-wise log: Jacobian diag(1/a)": f"원소별 log: {g.JACOBIAN} diag(1/a)",
    "element-wise softplus: Jacobian diag(σ(a))": f"원소별 softplus: {g.JACOBIAN} diag(σ(a))",
    "element-wise ReLU: Jacobian diag([a > 0])": f"원소별 ReLU: {g.JACOBIAN} diag([a > 0])",
    "element-wise √: Jacobian diag(1/(2√a))": f"원소별 √: {g.JACOBIAN} diag(1/(2√a))",
    "element-wise |·|: Jacobian diag(sign(a))": f"원소별 |·|: {g.JACOBIAN} diag(sign(a))",
    "sign is constant where it is differentiable": "sign은 미분 가능한 곳에서 상수이다",
    "the step is constant where it is differentiable": "계단 함수는 미분 가능한 곳에서 상수이다",
    "softmax Jacobian: ∂ŷ/∂a = diag(ŷ) − ŷŷᵀ (symmetric)": f"{g.SOFTMAX} {g.JACOBIAN}: ∂ŷ/∂a = diag(ŷ) − ŷŷᵀ (대칭)",
    "inverse: d(X⁻¹) = −X⁻¹ dX X⁻¹, so ∂f/∂X = −X⁻ᵀ G X⁻ᵀ": "역행렬: d(X⁻¹) = −X⁻¹ dX X⁻¹이므로 ∂f/∂X = −X⁻ᵀ G X⁻ᵀ",
    "common factor taken out": "공통 인수로 묶는다",
    "sum rule": g.SUM_RULE,
}

#: Reasons with a part that varies: (pattern, Korean template).
PATTERNS_KO = (
    (re.compile(r"^power rule: (.*) \(element-wise\)$"), g.POWER_RULE + r": \1 (원소별)"),
    (re.compile(r"^(\S+) appears (\d+) times: the sum over its occurrences \(chain rule for vector functions\)$"),
     r"\1가 \2번 나온다: 각 자리에서 온 값의 합 (벡터 함수의 " + g.CHAIN_RULE + ")"),
    (re.compile(r"^one-hot: (.*)$"), g.ONE_HOT + r": \1"),
    (re.compile(r"^f does not depend on (.*)$"), r"f는 \1에 의존하지 않는다"),
    (re.compile(r"^element-wise (.+?): (.*)$"), r"원소별 \1: \2"),
    (re.compile(r"^product rule: (.*)$"), g.PRODUCT_RULE + r": \1"),
    (re.compile(r"^quotient rule: (.*)$"), g.QUOTIENT_RULE + r": \1"),
    (re.compile(r"^power rule: (.*)$"), g.POWER_RULE + r": \1"),
    (re.compile(r"^linear map: (.*)$"), r"선형 변환: \1"),
    (re.compile(r"^softmax Jacobian: (.*)$"), f"{g.SOFTMAX} {g.JACOBIAN}: " + r"\1"),
    (re.compile(r"^(\S+) is locally constant$"), r"\1은 국소적으로 상수이다"),
)

#: The proof texts' words.
PROOF_KO = (("finite differences at two other sizes", "다른 두 크기에서 유한 차분"),
            ("the formula fixes its sizes (number bounds), so at these sizes only",
             "식이 합의 범위로 크기를 정하므로 이 크기에서만"),
            ("finite differences", "유한 차분"), ("component by component", "성분별"),
            ("symbolic", "기호 증명"), ("numeric", "수치 검증"), ("points", "점"), ("FAILED", "실패"),
            ("at other sizes", "다른 크기에서"), ("nothing to prove", "증명할 것 없음"))

#: Identities that read the same in both languages (∂(xᵀAx)/∂x = (A + Aᵀ)x, the stable rewrites).
_FORMULA = re.compile(r"^[^A-Za-z]*(?:∂|log|LSE|tr|y softplus)")

LABELS = {
    "en": {"shapes": "shapes", "scalar": "scalar", "gradient": "Gradient by {name}:",
           "jacobian": "Jacobian by {name}:", "result": "Result", "proof": "proof", "at": "at {at}",
           "one": "one occurrence", "failed": "FAILED"},
    "ko": {"shapes": "모양", "scalar": g.SCALAR, "gradient": f"{{name}}에 대한 {g.GRADIENT}:",
           "jacobian": f"{{name}}에 대한 {g.JACOBIAN}:", "result": "결과", "proof": g.PROOF,
           "at": "{at}에서", "one": "한 자리", "failed": "실패"},
}


def reason(why: str, lang: str) -> str:
    """The reason in ``lang`` (the English where no translation is needed or known)."""
    if lang != "ko":
        return why
    if why in REASONS_KO:
        return REASONS_KO[why]
    for pattern, template in PATTERNS_KO:
        if pattern.match(why):
            return pattern.sub(template, why)
    return "; ".join(REASONS_KO.get(part, part) for part in why.split("; "))


def is_translated(why: str) -> bool:
    """True when the Korean reader gets Korean words or a formula that needs none."""
    return why in REASONS_KO or any(p.match(why) for p, _ in PATTERNS_KO) or \
        all(_FORMULA.match(part) for part in why.split("; "))


def label(key: str, lang: str, **fields) -> str:
    return LABELS.get(lang, LABELS["en"])[key].format(**fields)


def proof(text: str, lang: str) -> str:
    if lang != "ko":
        return text
    for english, korean in PROOF_KO:
        text = text.replace(english, korean)
    return text
