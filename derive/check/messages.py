"""Every sentence ``derive check`` and ``derive equiv`` print, in English and Korean, in one place.

How it works
------------
:data:`MESSAGES` maps a language to its templates, key by key; the code only ever
calls :func:`message` (a sentence now) or builds a :class:`Text` (a sentence to be
said later, in the language the reader asks for). A template's fields are named
(``{name}``, ``{count}``), so a translation may put them in its own order; a field
may itself be a :class:`Text` (or a function of the language), said in the same
language. A check's results carry Texts, never finished English, so that
``derive check --lang ko`` renders the same findings in Korean.

Example: ``Text("factor", factor="2")`` says "2 times the right value" in English and
"올바른 값의 2배" in Korean. The Korean templates use the lecture notes' words from
:mod:`derive.printing.glossary`; a test proves every key has both languages.
"""

from __future__ import annotations

from derive.printing import glossary as g

ENGLISH = {
    # the kinds of slip
    "sign": "sign flipped",
    "sign_part": "sign flipped in the numbers that are off (the others are right)",
    "factor": "{factor} times the right value",
    "factor_sign": "sign flipped and {factor} times the right value",
    "log_base_10": r"log base 10 where the natural log belongs (\log is natural here)",
    "log_base_2": "log base 2 where the natural log belongs (declare `conventions: {{log_base: 2}}` "
                  "for bits)",
    "log_natural": "the natural log where the base-2 log (bits) belongs",
    "log_natural_10": "the natural log where the base-10 log belongs",
    "swapped": "components {first} and {second} are swapped",
    "swapped_rows": "rows {first} and {second} are swapped",
    "swapped_columns": "columns {first} and {second} are swapped",
    "reversed": "the components are in reverse order",
    "transposed": "transposed: this is the transpose of {name}",
    "transposed_use": "{matrix} where {matrix}ᵀ belongs (a transposed matrix)",
    "transposed_use_t": "{matrix}ᵀ where {matrix} belongs (a transposed matrix)",
    "pool_every_cell": "each window's gradient sent to every cell of the window; max pooling sends it only "
                       "to the window's largest cell (the arg-max), the others get 0",
    "pool_spread": "each window's gradient spread evenly over its cells, as average pooling does; max "
                   "pooling sends it whole to the window's largest cell (the arg-max)",
    "pool_no_share": "each window's whole gradient given to every cell of the window; average pooling "
                     "gives each cell its share, g/{cells}",
    "kernel_not_flipped": "the kernel slid over the gradient unflipped; the input's gradient needs the "
                          "kernel turned by 180° (a full correlation with rot180(w))",
    "activation": "the derivative of the wrong activation: {used} ({alternative}′) where "
                  "{output} = {activation}({pre}) needs {right} ({activation}′)",
    "missing_slope": "the activation's slope is missing: {output} = {activation}({pre}) needs the factor "
                     "{right} ({activation}′), the chain rule's local derivative",
    "missing_term": "the term {term} is missing",
    "term_sign": "the term {term} has the wrong sign",
    "term_factor": "the term {term} is {factor} times what it should be",
    "wrong_value": "this is the value of {other}, not of {name}",
    "wrong_input": "this is the input {other}, not {name}",
    "wrong_step_earlier": "this is {other}, the value at an earlier time step",
    "wrong_step_later": "this is {other}, the value at a later time step",
    "wrong_argument": "computed with {other} where {argument} belongs (another time step)",
    "too_few_digits": "right, but written with too few digits: {value} rounds to {given}, but this "
                      "answer must be within ± {tolerance}; write {suggest}",
    "too_few_digits_whole": "right, but written with too few digits: {value} rounds to {given}, but a "
                            "number without a decimal point is read as exact; write {suggest}",
    "truncated": "truncated, not rounded: {value} rounds to {rounded}, you wrote {given}",
    # another convention (derive.check.conventions)
    "convention": "equal to {name} with {meaning}; {verb} `conventions: {declaration}`",
    "verb_add": "add",
    "verb_declare": "declare",
    "tradition_value": "this is {other} ({what}), not {name}: the notes' sign; answer it as `{other}`",
    "tradition_sign": "−{name}: the notes' sign (δ = r − y, Δw = +η δ x); derive's {name} is the "
                      "gradient itself; the notes' quantities are {others}",
    "gradient_value": "this is {other}, the gradient; the notes' {name} ({what}) is its negative",
    "delta": "the error signal δ = r − y = −∂L/∂s",
    "update": "the update Δw = +η δ x = −η ∂L/∂w",
    # which numbers, what range
    "off_all": "all {count} numbers are off",
    "off_both": "both numbers are off",
    "off_one": "component {positions} of {count} is off",
    "off_some": "components {positions} of {count} are off",
    "off_some_more": "components {positions} and {more} more of {count} are off",
    "off_matrix_one": "position {positions} of {shape} is off",
    "off_matrix": "positions {positions} of {shape} are off",
    "off_matrix_more": "positions {positions} and {more} more of {shape} are off",
    "accepted": "expected {expected} ± {tolerance}, you wrote {given}",
    "accepted_exact": "expected {expected} (exactly), you wrote {given}",
    "accepted_at": "{where}: {rest}",
    "carried_from": "follows from your {names}, which {verb} off: the error is carried from there",
    "verb_one": "is",
    "verb_many": "are",
    # the readable table (derive.check.report)
    "col_quantity": "quantity",
    "col_yours": "yours",
    "col_expected": "expected",
    "col_verdict": "verdict",
    "col_recomputed": "from your numbers",
    "status_correct": "correct",
    "status_carried": "carried",
    "status_wrong": "wrong",
    "kind_worked": "worked",
    "kind_derivation": "derivation",
    "kind_unusable": "unusable",
    "below": "(below)",
    "below_shape": "{shape} (below)",
    "first_error": "first error: {name}",
    "no_mistakes": "no mistakes",
    "undefined": "undefined",
    "reaches": "reaches {quantity}: {verdict}",
    "reaches_yes": "yes",
    "reaches_no": "no",
    "reaches_undecided": "not decided",
    "first_bad_line": "first line that does not follow: {number}",
    "every_line_follows": "every line follows from the one before",
    "some_undecided": "some lines could not be decided",
    "as_expected_mistakes": "as the file expects (deliberate mistakes found)",
    "as_expected": "as the file expects",
    "not_as_expected": "NOT as the file expects: {mismatches}",
    "mismatch_found": "mistakes found",
    "mismatch_first_error": "first_error is {found}, expected {expected}",
    "mismatch_ok": "ok is {found}, expected {expected}",
    "mismatch_reaches": "reaches is {found}, expected {expected}",
    "mismatch_status": "{name} is {found}, expected {expected}",
    "mismatch_slip": "the slip in {name} is {found}, expected {expected}",
    "unusable": "UNUSABLE: {error}",
    "summary": "{count} file(s): {good} without mistakes",
    "summary_expected": ", {count} with the deliberate mistakes they declare",
    "summary_mistakes": ", {count} with mistakes",
    "summary_undecided": ", {count} too complex to decide",
    "summary_unusable": ", {count} unusable",
    # derive equiv: the verdict
    "equivalent": "equivalent: {diagnosis}",
    "not_equivalent": "not equivalent: {diagnosis}",
    "counterexample": "counterexample (the formulas differ at this point):",
    "counterexample_more": "(and {count} more: {names}; every value with --json)",
    # derive equiv: the diagnoses (derive.check.equiv)
    "eq_equal": "equal to {quantity} of {rule} ({method})",
    "eq_method_symbolic": "symbolic",
    "eq_method_numeric": "numeric",
    "eq_undefined": "your formula is undefined (or overflows) at a point where {quantity} is defined",
    "eq_at_undefined": "{diagnosis} (at the counterexample {quantity} is undefined, yours = {yours})",
    "eq_at": "{diagnosis} (at the counterexample: yours = {yours}, correct = {correct})",
    "eq_shape": "the formula does not have the shape of {quantity}: {reason}",
    "eq_sign": "the sign is flipped: yours is −1 times the correct formula",
    "eq_factor": "off by a constant factor: yours is {factor} times the correct formula",
    "eq_log_base": r"log base 10 where the natural log belongs (\log is natural here)",
    "eq_convention_flags": "{sentence} (derive equiv --convention {flags})",
    "eq_no_time": "not equal; no usual mistake was recognized in the time available",
    "eq_unknown": "not equal, and not one of the usual mistakes (sign, factor, log base, transpose, "
                  "activation derivative, a missing or extra term)",
    "eq_missing_term": "a missing term: {term}",
    "eq_term_sign": "the sign of the term {term} is flipped",
    "eq_term_factor": "the term {term} has a wrong factor: yours is {factor} times it",
    "eq_extra_term": "an extra term: {term}",
    "eq_transposed": "a transposed matrix: {wrote} where {belongs} belongs",
    "eq_transposed_outer": "a transposed outer product: {wrote} where {belongs} belongs",
    "eq_activation": "the derivative of the wrong activation: {used} where {belongs} belongs",
    "eq_act_sigmoid": r"the sigmoid's \sigma' = a(1 - a)",
    "eq_act_tanh": r"tanh's 1 - a^2",
    "eq_act_relu": "ReLU's H(x)",
    "course_feedback": "your course: {text}",
    "mismatch_feedback": "course feedback on {name}: found {found}, expected {expected}",
    # derive grade (derive.check.grade_output)
    "status_missing": "missing",
    "status_unusable": "unusable",
    "grade_title": "{students} students, {files} files: mean score {mean}",
    "grade_quantities": "By quantity",
    "grade_students": "By student",
    "col_rule_quantity": "quantity",
    "col_common_wrong": "most common mistakes",
    "grade_same_value": "{count} wrote the same {value}",
    "grade_line": "line {number}: {text}",
    "grade_not_reaching": "every line follows, but the last does not reach {quantity}",
    "col_student": "student",
    "col_score": "score",
    "col_percent": "%",
    "col_first_mistake": "first mistake",
    "times": "{count}×",
    "no_diagnosis": "no slip named",
    "grade_unusable_files": "{count} file(s) could not be checked (they earn nothing):",
}

KOREAN = {
    # the kinds of slip
    "sign": f"{g.SIGN}가 반대",
    "sign_part": f"틀린 숫자들의 {g.SIGN}가 반대 (나머지는 맞음)",
    "factor": "올바른 값의 {factor}" + g.FACTOR,
    "factor_sign": f"{g.SIGN}가 반대이고 올바른 값의 {{factor}}{g.FACTOR}",
    "log_base_10": rf"{g.NATURAL_LOG}가 와야 할 자리에 밑이 10인 {g.LOG} (여기서 \log는 {g.NATURAL_LOG})",
    "log_base_2": f"{g.NATURAL_LOG}가 와야 할 자리에 밑이 2인 {g.LOG} (비트 단위라면 "
                  "`conventions: {{log_base: 2}}` 를 선언하라)",
    "log_natural": f"밑이 2인 {g.LOG}(비트)가 와야 할 자리에 {g.NATURAL_LOG}",
    "log_natural_10": f"밑이 10인 {g.LOG}가 와야 할 자리에 {g.NATURAL_LOG}",
    "swapped": f"{g.COMPONENT} {{first}}와 {{second}}가 뒤바뀌었다",
    "swapped_rows": f"{g.ROW} {{first}}와 {{second}}가 뒤바뀌었다",
    "swapped_columns": f"{g.COLUMN} {{first}}와 {{second}}가 뒤바뀌었다",
    "reversed": f"{g.COMPONENT}들의 순서가 거꾸로다",
    "transposed": f"{g.TRANSPOSE}됨: {{name}}의 {g.TRANSPOSE}이다",
    "transposed_use": f"{{matrix}}ᵀ가 와야 할 자리에 {{matrix}} ({g.TRANSPOSE}된 {g.MATRIX})",
    "transposed_use_t": f"{{matrix}}가 와야 할 자리에 {{matrix}}ᵀ ({g.TRANSPOSE}된 {g.MATRIX})",
    "pool_every_cell": "창마다의 기울기를 창의 모든 칸에 보냈다; 맥스 풀링은 창에서 가장 큰 칸(arg-max)에만 "
                       "보내고 나머지 칸은 0 이다",
    "pool_spread": "창마다의 기울기를 평균 풀링처럼 칸마다 고르게 나눴다; 맥스 풀링은 창에서 가장 큰 "
                   "칸(arg-max)에 통째로 보낸다",
    "pool_no_share": "창마다의 기울기를 창의 모든 칸에 통째로 주었다; 평균 풀링은 칸마다 제 몫 g/{cells} 만 준다",
    "kernel_not_flipped": "커널을 뒤집지 않고 기울기 위로 밀었다; 입력에 대한 기울기는 180° 돌린 커널과의 "
                          "완전 상관이다 (rot180(w))",
    "activation": f"다른 {g.ACTIVATION}의 {g.DERIVATIVE}: {{output}} = {{activation}}({{pre}})에는 "
                  "{right} ({activation}′)가 필요한데 {used} ({alternative}′)를 썼다",
    "missing_slope": f"{g.ACTIVATION}의 기울기가 빠졌다: {{output}} = {{activation}}({{pre}})에는 연쇄 법칙의 국소 "
                     f"{g.DERIVATIVE} {{right}} ({{activation}}′)를 곱해야 한다",
    "missing_term": f"{g.TERM} {{term}}이(가) 빠졌다",
    "term_sign": f"{g.TERM} {{term}}의 {g.SIGN}가 틀렸다",
    "term_factor": f"{g.TERM} {{term}}이(가) 올바른 값의 {{factor}}{g.FACTOR}이다",
    "wrong_value": "이것은 {name}이 아니라 {other}의 값이다",
    "wrong_input": f"이것은 {{name}}이 아니라 {g.INPUT} {{other}}이다",
    "wrong_step_earlier": f"이것은 {{other}}, 즉 더 이른 {g.TIME_STEP}의 값이다",
    "wrong_step_later": f"이것은 {{other}}, 즉 더 늦은 {g.TIME_STEP}의 값이다",
    "wrong_argument": f"{{argument}} 자리에 {{other}}를 넣어 계산했다 (다른 {g.TIME_STEP})",
    "too_few_digits": "값은 맞지만 자릿수가 부족하다: {value}를 반올림하면 {given}이지만, 이 답은 "
                      "± {tolerance} 안에 있어야 한다; {suggest}로 적어라",
    "too_few_digits_whole": "값은 맞지만 자릿수가 부족하다: {value}를 반올림하면 {given}이지만, "
                            "소수점 없는 수는 정확한 값으로 읽힌다; {suggest}로 적어라",
    "truncated": "반올림이 아니라 버림을 했다: {value}를 반올림하면 {rounded}인데 {given}로 적었다",
    # another convention
    "convention": "{meaning}일 때의 {name} 값과 같다; `conventions: {declaration}` 를 {verb}",
    "verb_add": "추가하라",
    "verb_declare": "선언하라",
    "tradition_value": "이것은 {name} 이 아니라 {other} ({what}) 의 값이다: 강의 노트의 부호; "
                       "`{other}` 로 답하라",
    "tradition_sign": "−{name}: 강의 노트의 부호 (δ = r − y, Δw = +η δ x); derive 의 {name} 은 "
                      f"{g.GRADIENT} 그 자체; 노트의 {g.QUANTITY}은 {{others}}",
    "gradient_value": f"이것은 {g.GRADIENT} {{other}} 이다; 노트의 {{name}} ({{what}}) 은 그 음수",
    "delta": f"{g.ERROR_SIGNAL} δ = r − y = −∂L/∂s",
    "update": f"{g.UPDATE} Δw = +η δ x = −η ∂L/∂w",
    # which numbers, what range
    "off_all": "숫자 {count}개가 모두 틀렸다",
    "off_both": "두 숫자가 모두 틀렸다",
    "off_one": f"{{count}}개 중 {g.COMPONENT} {{positions}}이(가) 틀렸다",
    "off_some": f"{{count}}개 중 {g.COMPONENT} {{positions}}이(가) 틀렸다",
    "off_some_more": f"{{count}}개 중 {g.COMPONENT} {{positions}} 외 {{more}}개가 틀렸다",
    "off_matrix_one": "{shape} 중 위치 {positions}이(가) 틀렸다",
    "off_matrix": "{shape} 중 위치 {positions}이(가) 틀렸다",
    "off_matrix_more": "{shape} 중 위치 {positions} 외 {more}개가 틀렸다",
    "accepted": "기대값 {expected} ± {tolerance}, 적은 값 {given}",
    "accepted_exact": "기대값 {expected} (정확히), 적은 값 {given}",
    "accepted_at": "{where}: {rest}",
    "carried_from": "틀린 {names}에서 이어진 값이다: 앞 단계의 오류가 이어진 것",
    "verb_one": "틀림",
    "verb_many": "틀림",
    # the readable table
    "col_quantity": g.QUANTITY,
    "col_yours": "적은 값",
    "col_expected": "기대값",
    "col_verdict": "판정",
    "col_recomputed": "내 숫자로 다시 계산",
    "status_correct": g.STATUSES["correct"],
    "status_carried": g.STATUSES["carried"],
    "status_wrong": g.STATUSES["wrong"],
    "kind_worked": "풀이 예제",
    "kind_derivation": g.DERIVATION,
    "kind_unusable": "사용할 수 없음",
    "below": "(아래)",
    "below_shape": "{shape} (아래)",
    "first_error": "첫 오류: {name}",
    "no_mistakes": "오류 없음",
    "undefined": "정의되지 않음",
    "reaches": "{quantity}에 도달: {verdict}",
    "reaches_yes": "예",
    "reaches_no": "아니오",
    "reaches_undecided": "판정 불가",
    "first_bad_line": "앞 줄에서 이어지지 않는 첫 줄: {number}",
    "every_line_follows": "모든 줄이 앞 줄에서 이어진다",
    "some_undecided": "판정하지 못한 줄이 있다",
    "as_expected_mistakes": "파일이 기대한 대로 (의도된 오류를 찾음)",
    "as_expected": "파일이 기대한 대로",
    "not_as_expected": "파일이 기대한 것과 다름: {mismatches}",
    "mismatch_found": "오류를 찾음",
    "mismatch_first_error": "first_error는 {found}, 기대값 {expected}",
    "mismatch_ok": "ok는 {found}, 기대값 {expected}",
    "mismatch_reaches": "reaches는 {found}, 기대값 {expected}",
    "mismatch_status": "{name}은(는) {found}, 기대값 {expected}",
    "mismatch_slip": "{name}의 실수 종류는 {found}, 기대값 {expected}",
    "unusable": "사용할 수 없는 입력: {error}",
    "summary": "파일 {count}개: 오류 없음 {good}개",
    "summary_expected": ", 선언한 의도된 오류가 있는 파일 {count}개",
    "summary_mistakes": ", 오류가 있는 파일 {count}개",
    "summary_undecided": ", 너무 복잡해 판정하지 못한 파일 {count}개",
    "summary_unusable": ", 사용할 수 없는 파일 {count}개",
    # derive equiv: the verdict
    "equivalent": f"{g.EQUIVALENT}: {{diagnosis}}",
    "not_equivalent": f"{g.NOT_EQUIVALENT}: {{diagnosis}}",
    "counterexample": f"{g.COUNTEREXAMPLE} (이 점에서 두 {g.FORMULA}이 다르다):",
    "counterexample_more": "(외 {count}개: {names}; 모든 값은 --json 으로)",
    # derive equiv: the diagnoses
    "eq_equal": "{rule}의 {quantity}와 같다 ({method})",
    "eq_method_symbolic": "기호 증명",
    "eq_method_numeric": "수치 검증",
    "eq_undefined": f"{{quantity}}가 정의되는 점에서 적은 {g.FORMULA}이 정의되지 않는다 (또는 넘친다)",
    "eq_at_undefined": f"{{diagnosis}} ({g.COUNTEREXAMPLE}에서 {{quantity}}는 정의되지 않음, 적은 {g.FORMULA} = {{yours}})",
    "eq_at": f"{{diagnosis}} ({g.COUNTEREXAMPLE}에서: 적은 {g.FORMULA} = {{yours}}, 올바른 값 = {{correct}})",
    "eq_shape": f"{g.FORMULA}의 모양이 {{quantity}}의 모양과 다르다: {{reason}}",
    "eq_sign": f"{g.SIGN}가 반대: 올바른 {g.FORMULA}의 −1{g.FACTOR}이다",
    "eq_factor": f"{g.CONSTANT}배만큼 다르다: 올바른 {g.FORMULA}의 {{factor}}{g.FACTOR}이다",
    "eq_log_base": rf"{g.NATURAL_LOG}가 와야 할 자리에 밑이 10인 {g.LOG} (여기서 \log는 {g.NATURAL_LOG})",
    "eq_convention_flags": "{sentence} (derive equiv --convention {flags})",
    "eq_no_time": "같지 않다; 주어진 시간 안에 흔한 실수를 찾지 못했다",
    "eq_unknown": f"같지 않고, 흔한 실수({g.SIGN}, {g.CONSTANT}배, {g.LOG}의 밑, {g.TRANSPOSE}, "
                  f"{g.ACTIVATION}의 {g.DERIVATIVE}, 빠지거나 남는 {g.TERM}) 중 어느 것도 아니다",
    "eq_missing_term": f"빠진 {g.TERM}: {{term}}",
    "eq_term_sign": f"{g.TERM} {{term}}의 {g.SIGN}가 반대",
    "eq_term_factor": f"{g.TERM} {{term}}의 계수가 틀렸다: 올바른 {g.TERM}의 {{factor}}{g.FACTOR}",
    "eq_extra_term": f"남는 {g.TERM}: {{term}}",
    "eq_transposed": f"{g.TRANSPOSE}된 {g.MATRIX}: {{belongs}}가 와야 할 자리에 {{wrote}}",
    "eq_transposed_outer": f"{g.TRANSPOSE}된 외적: {{belongs}}가 와야 할 자리에 {{wrote}}",
    "eq_activation": f"다른 {g.ACTIVATION}의 {g.DERIVATIVE}: {{belongs}}가 와야 할 자리에 {{used}}",
    "eq_act_sigmoid": rf"{g.SIGMOID}의 \sigma' = a(1 - a)",
    "eq_act_tanh": r"tanh의 1 - a^2",
    "eq_act_relu": "ReLU의 H(x)",
    "course_feedback": "강의의 안내: {text}",
    "mismatch_feedback": "{name} 에 대한 강의 안내: {found} 를 찾았고, 기대한 것은 {expected}",
    # derive grade
    "status_missing": "빠짐",
    "status_unusable": "사용할 수 없음",
    "grade_title": "학생 {students}명, 파일 {files}개: 평균 점수 {mean}",
    "grade_quantities": "값별 결과",
    "grade_students": "학생별 결과",
    "col_rule_quantity": g.QUANTITY,
    "col_common_wrong": "가장 흔한 실수",
    "grade_same_value": "{count}이 같은 {value} 를 적었다",
    "grade_line": "{number}번째 줄: {text}",
    "grade_not_reaching": "모든 줄이 이어지지만, 마지막 줄이 {quantity} 에 이르지 않는다",
    "col_student": "학생",
    "col_score": "점수",
    "col_percent": "백분율",
    "col_first_mistake": "첫 실수",
    "times": "{count}명",
    "no_diagnosis": "이름 붙은 실수 없음",
    "grade_unusable_files": "확인할 수 없는 파일 {count}개 (점수 없음):",
}

#: Every sentence of ``derive check`` and ``derive equiv`` output, by language and key.
MESSAGES = {"en": ENGLISH, "ko": KOREAN}


def message(key: str, lang: str = "en", **fields) -> str:
    """The sentence ``key`` of :data:`MESSAGES` in ``lang``, filled in (a field that is a Text is said in
    ``lang`` too)."""
    templates = MESSAGES.get(lang, ENGLISH)
    return templates[key].format(**{name: say(value, lang) for name, value in fields.items()})


def say(value, lang: str = "en"):
    """A field in ``lang``: a :class:`Text` said, a function of the language called, anything else as is."""
    if isinstance(value, Text):
        return value.say(lang)
    if callable(value):
        return value(lang)
    return value


class Text:
    """A sentence of :data:`MESSAGES` not yet put into a language: its key and its fields."""

    __slots__ = ("fields", "key")

    def __init__(self, key: str, **fields):
        if key not in ENGLISH:
            raise KeyError(key)
        self.key, self.fields = key, fields

    def say(self, lang: str = "en") -> str:
        return message(self.key, lang, **self.fields)

    def __str__(self) -> str:
        return self.say("en")

    def __repr__(self) -> str:
        return f"Text({self.key!r}, {self.fields!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash(self.key)


def status_text(status: str, lang: str = "en") -> str:
    """A step's status (``correct``, ``carried``, ``wrong``) as the table shows it."""
    key = f"status_{status}"
    return message(key, lang) if key in ENGLISH else status


__all__ = ["ENGLISH", "KOREAN", "MESSAGES", "Text", "message", "say", "status_text"]
