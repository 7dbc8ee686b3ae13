"""The Korean terms of derive, as the lecture notes write them: one place, imported by every Korean text.

Each constant is the word a student reads in the notes (``../shared/seeds/``: 순전파,
역전파, 기울기, 손실 함수, 연쇄 법칙, ...). The Korean templates of
:mod:`derive.check.messages`, :mod:`derive.printing.errors_ko`, :mod:`derive.printing.i18n`
and the step reasons of :mod:`derive.autodiff` are built from them (f-strings), so a
term is changed here once and everywhere.
"""

from __future__ import annotations

# -- the pass and the calculus ------------------------------------------------------------
FORWARD = "순전파"
BACKWARD = "역전파"
GRADIENT = "기울기"
DERIVATIVE = "도함수"
DIFFERENTIATE = "미분"
PARTIAL = "편미분"
CHAIN_RULE = "연쇄 법칙"
SUM_RULE = "합의 미분 법칙"
PRODUCT_RULE = "곱의 미분 법칙"
QUOTIENT_RULE = "몫의 미분 법칙"
POWER_RULE = "거듭제곱의 미분 법칙"
JACOBIAN = "야코비안"
PROOF = "증명"
DERIVATION = "유도"

# -- the network --------------------------------------------------------------------------
LOSS = "손실 함수"
LOSS_VALUE = "손실"
WEIGHT = "가중치"
BIAS = "편향"
INPUT = "입력"
OUTPUT = "출력"
HIDDEN_LAYER = "은닉층"
OUTPUT_LAYER = "출력층"
HIDDEN_STATE = "은닉 상태"
CELL_STATE = "셀 상태"
GATE = "게이트"
LEARNING_RATE = "학습률"
ACTIVATION = "활성화 함수"
PREDICTION = "예측값"
TARGET = "정답"
LABEL = "레이블"
ONE_HOT = "원-핫"
SOFTMAX = "소프트맥스"
SIGMOID = "시그모이드"
CROSS_ENTROPY = "교차 엔트로피"
ENTROPY = "엔트로피"
SQUARED_ERROR = "제곱 오차"
MSE = "평균제곱오차"
ERROR = "오차"
ERROR_SIGNAL = "오차 신호"
UPDATE = "업데이트"
PENALTY = "페널티"
REGULARIZATION = "정규화"
TIME_STEP = "타임스텝"
LATENT = "잠재 변수"
VARIANCE = "분산"
STANDARD_DEVIATION = "표준편차"
MEAN = "평균"
SUM = "합"

# -- the mathematics ----------------------------------------------------------------------
MATRIX = "행렬"
VECTOR = "벡터"
SCALAR = "스칼라"
TRANSPOSE = "전치"
COMPONENT = "성분"
ROW = "행"
COLUMN = "열"
LOG = "로그"
NATURAL_LOG = "자연로그"
FORMULA = "식"
TERM = "항"
SIGN = "부호"
FACTOR = "배"
VARIABLE = "변수"
CONSTANT = "상수"
SHAPE = "모양"
INDEX = "첨자"
ELEMENTWISE = "원소별"
NORM = "노름"
TRACE = "대각합"
DETERMINANT = "행렬식"
INVERSE = "역행렬"

# -- the checker's verdicts ---------------------------------------------------------------
CORRECT = "정답"
CARRIED = "이월 오류"
CARRIED_MEANING = "앞 단계의 오류가 이어짐"
WRONG = "오답"
EQUIVALENT = "동치"
NOT_EQUIVALENT = "동치가 아님"
COUNTEREXAMPLE = "반례"
TOLERANCE = "허용 오차"
QUANTITY = "양"
CONVENTION = "표기 관례"

#: The statuses of ``derive check`` (the JSON keeps the English enum values).
STATUSES = {"correct": CORRECT, "carried": CARRIED, "wrong": WRONG}

__all__ = [name for name in dir() if name.isupper()]
