"""Words of the printed derivations in English and Korean.

A step's Korean reason is its ``why_ko``; steps without one use :data:`REASONS_KO`,
the shared vocabulary of reasons (chain rule, softmax Jacobian, ...), keyed by
the English text. A test proves that every step of every rule has a Korean reason.
"""

from __future__ import annotations

from derive.printing import glossary as g
from derive.printing.rules_ko import korean

LANGUAGES = ("en", "ko")

#: The shared vocabulary of reasons, English -> Korean (the seeds' terms).
REASONS_KO = {
    "chain rule; d/dŷ log ŷ = 1/ŷ": "연쇄 법칙, d/dŷ log ŷ = 1/ŷ",
    "softmax Jacobian: ∂ŷ_k/∂o_j = ŷ_k(δ_kj − ŷ_j)": "소프트맥스 야코비안: ∂ŷ_k/∂o_j = ŷ_k(δ_kj − ŷ_j)",
    "ŷ_k cancels; split the sum (ŷ_j does not depend on k)": "ŷ_k가 약분되고, 합을 나눈다 (ŷ_j는 k와 무관)",
    "the Kronecker delta keeps only k = j": "크로네커 델타는 k = j 항만 남긴다",
    "one-hot target: Σ_k y_k = 1": "원-핫 정답: Σ_k y_k = 1",
    "chain rule through ŷ; d/dŷ log ŷ = 1/ŷ": "ŷ를 거치는 연쇄 법칙, d/dŷ log ŷ = 1/ŷ",
    "derivative of the sigmoid: σ'(s) = σ(s)(1 − σ(s))": "시그모이드의 도함수: σ'(s) = σ(s)(1 − σ(s))",
    "multiply out: ŷ(1 − ŷ) cancels the denominators": "전개하면 ŷ(1 − ŷ)가 분모를 지운다",
    "the ±yŷ terms cancel": "±yŷ 항이 상쇄된다",
    "chain rule": "연쇄 법칙",
    "sum rule": "합의 미분 법칙",
    "product rule": "곱의 미분 법칙",
    "quotient rule": "몫의 미분 법칙",
    "algebra": "식 정리",
    "simplify": "정리",
}

WORDS = {
    "en": {
        "inputs": "Inputs", "forward": "Forward", "derivation": "Derivation of",
        "results": "Results", "proof": "proof", "source": "Source", "stable": "computed stably as",
        "headline": "Result", "scalar": "scalar", "checks": "checks", "name": "name", "shape": "shape", "meaning": "meaning",
    },
    "ko": {
        "inputs": g.INPUT, "forward": g.FORWARD, "derivation": f"{g.DERIVATION}:",
        "results": "결과", "proof": g.PROOF, "source": "출처", "stable": "수치적으로 안정된 계산",
        "headline": "결과", "scalar": g.SCALAR, "checks": "개 검사", "name": "이름", "shape": "모양", "meaning": "뜻",
    },
}


#: The lines of ``derive grad``'s readable output.
GRAD = {
    "en": {
        "forward": "forward: {name} = {latex}",
        "at": "  at {at}: {name} = {value}",
        "gradient_by": "gradient by {name}:",
        "why": "     ({why}; proof: {proof})",
        "result": "  result: {name} = {latex}  (equal to SymPy's derivative: {proof})",
        "failed": "FAILED: {detail}",
    },
    "ko": {
        "forward": f"{g.FORWARD}: {{name}} = {{latex}}",
        "at": "  {at}에서: {name} = {value}",
        "gradient_by": f"{{name}}에 대한 {g.GRADIENT}:",
        "why": f"     ({{why}}; {g.PROOF}: {{proof}})",
        "result": f"  결과: {{name}} = {{latex}}  (SymPy의 {g.DERIVATIVE}와 같음: {{proof}})",
        "failed": "실패: {detail}",
    },
}

#: Proof methods (``symbolic``, ``numeric (float64, 30 points...)``) by the word they start with.
METHODS = {"symbolic": "기호 증명", "numeric": "수치 검증", "shape": "모양"}


def grad_line(key: str, lang: str, **fields) -> str:
    return GRAD.get(lang, GRAD["en"])[key].format(**fields)


def method(text: str, lang: str) -> str:
    """A proof method in ``lang``: ``numeric (float64, 30 points)`` -> ``수치 검증 (float64, 30 points)``."""
    if lang != "ko":
        return text
    head, space, rest = text.partition(" ")
    return METHODS.get(head, head) + space + rest


def reason(step, lang: str) -> str:
    """A step's reason in the language asked for (English when no translation exists)."""
    if lang == "ko":
        return step.why_ko or REASONS_KO.get(step.why, step.why)
    return step.why


def has_korean(step) -> bool:
    return bool(step.why_ko) or step.why in REASONS_KO


def word(key: str, lang: str) -> str:
    return WORDS.get(lang, WORDS["en"])[key]


def rule_text(item, field: str, lang: str) -> str:
    """A rule's, input's, quantity's or derivation's ``title``/``source``/``note`` in ``lang``.

    In Korean: the object's own ``<field>_ko``, else the shared table of
    :mod:`derive.printing.rules_ko` (English when neither has it).
    """
    english = getattr(item, field)
    if lang != "ko" or not english:
        return english
    return korean(english, getattr(item, f"{field}_ko", None)) or english


def has_korean_text(item, field: str) -> bool:
    english = getattr(item, field)
    return not english or bool(korean(english, getattr(item, f"{field}_ko", None)))
