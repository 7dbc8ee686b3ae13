"""Sinusoidal positional encoding (the transformer lecture: "사인·코사인 기반 위치 인코딩"), its
values, and why a shift by k positions is a linear map of the encoding that depends on k alone.

Headline: PE(pos, 2i) = sin(ω_i pos), PE(pos, 2i+1) = cos(ω_i pos) with ω_i = 10000^(−2i/d); by
the angle-addition formulas PE(pos + k) = R_k PE(pos) pair by pair, where
R_k = [[cos ω_i k, sin ω_i k], [−sin ω_i k, cos ω_i k]] does not depend on pos: attention can
learn relative positions as linear maps.

One example is one frequency pair i of one position; ``i`` runs over 0..d/2 − 1.
"""

from sympy import cos, sin

from derive.rules._vocabulary import *

rule = Rule(
    "positional_encoding",
    "Sinusoidal positional encoding, and PE(pos + k) as a rotation of PE(pos)",
    headline="PE(pos+k) = R_k PE(pos): sin(w(pos+k)) = sin(w pos) cos(wk) + cos(w pos) sin(wk)",
    source="Transformer lecture: sine and cosine positional encoding added to the embeddings",
    title_ko="사인·코사인 위치 인코딩, 그리고 PE(pos + k) 는 PE(pos) 의 회전",
    source_ko="트랜스포머 강의: 임베딩에 더하는 사인·코사인 위치 인코딩",
)
pos = rule.input("pos", (), NonNegative(), note="the position (0, 1, 2, ...)", note_ko="위치 (0, 1, 2, ...)")
k = rule.input("k", (), NonNegative(), note="a shift by k positions", note_ko="k 칸 이동")
i = rule.input("i", (), NonNegative(), note="the frequency pair: dimensions 2i and 2i + 1", note_ko="주파수 쌍: 차원 2i 와 2i + 1")
d = rule.input("d", (), Positive(), default=512, note="the embedding's dimension d_model", note_ko="임베딩 차원 d_model")

omega = rule.quantity("omega", 10000 ** (-2 * i / d), note="the pair's frequency ω_i = 10000^(−2i/d)",
                      note_ko="쌍의 주파수 ω_i = 10000^(−2i/d)")
pe_sin = rule.quantity("PE_sin", sin(omega * pos), note="PE(pos, 2i)", note_ko="짝수 차원 PE(pos, 2i)")
pe_cos = rule.quantity("PE_cos", cos(omega * pos), note="PE(pos, 2i + 1)", note_ko="홀수 차원 PE(pos, 2i + 1)")
shift_sin = rule.quantity("PE_shift_sin", sin(omega * (pos + k)), note="PE(pos + k, 2i)", note_ko="k 칸 뒤의 짝수 차원 PE(pos + k, 2i)")
shift_cos = rule.quantity("PE_shift_cos", cos(omega * (pos + k)), note="PE(pos + k, 2i + 1)", note_ko="k 칸 뒤의 홀수 차원 PE(pos + k, 2i + 1)")
rule.quantity("R_cos", cos(omega * k), note="the rotation's cos ω_i k (no pos in it)", note_ko="회전의 cos ω_i k (pos 가 없다)")
rule.quantity("R_sin", sin(omega * k), note="the rotation's sin ω_i k (no pos in it)", note_ko="회전의 sin ω_i k (pos 가 없다)")
rule.quantity("dPE_sin/dpos", omega * pe_cos, note="how fast the pair turns with the position: ω_i PE(pos, 2i + 1)",
              note_ko="위치에 따라 쌍이 도는 빠르기: ω_i PE(pos, 2i + 1)")

rule.derive(
    "PE_shift_sin",
    Step(shift_sin, sin(omega * pos) * cos(omega * k) + cos(omega * pos) * sin(omega * k),
         why="angle addition: sin(a + b) = sin a cos b + cos a sin b", why_ko="덧셈 정리: sin(a + b) = sin a cos b + cos a sin b"),
    Step(cos(omega * k) * pe_sin + sin(omega * k) * pe_cos,
         why="a linear combination of PE(pos)'s pair with coefficients of k alone",
         why_ko="k 만의 계수로 쓴 PE(pos) 쌍의 일차 결합"),
    title="PE(pos + k, 2i) from PE(pos)", title_ko="PE(pos) 로 쓴 PE(pos + k, 2i)",
)
rule.derive(
    "PE_shift_cos",
    Step(shift_cos, cos(omega * pos) * cos(omega * k) - sin(omega * pos) * sin(omega * k),
         why="angle addition: cos(a + b) = cos a cos b − sin a sin b", why_ko="덧셈 정리: cos(a + b) = cos a cos b − sin a sin b"),
    Step(-sin(omega * k) * pe_sin + cos(omega * k) * pe_cos,
         why="the second row of the rotation R_k", why_ko="회전 R_k 의 둘째 행"),
    title="PE(pos + k, 2i + 1) from PE(pos)", title_ko="PE(pos) 로 쓴 PE(pos + k, 2i + 1)",
)

register(rule)
