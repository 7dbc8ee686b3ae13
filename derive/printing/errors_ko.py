r"""The one-line error messages of every verb, in Korean: a catalog of patterns and :func:`translate`.

How it works
------------
derive raises its errors (:class:`~derive.errors.InputError` and friends) with English
text from many modules; the command line prints ``derive VERB: {error}``. Rather than
threading a language through every raise site, :data:`SENTENCES` lists each English
sentence as a template with named fields (``"the number {x} is out of range"``) beside
its Korean version. :func:`translate` matches the whole message against the templates
(each compiled once to an anchored regular expression); where none matches, it peels
off the leading ``where:`` parts (a file name, ``field 'answers.L'``, ``LATEX``,
``--at x=1``) one at a time and tries the rest, so the file name, the field and the
formula stay exactly as the English message has them.

A field's value is translated in turn when it is itself a sentence or one of the
:data:`PHRASES` (``"a list of 3 numbers"``); anything else (a name, a number, LaTeX) is
data and kept. Example::

    translate("w.yaml: field 'answers.L': expected a number, got nothing", "ko")
    == "w.yaml: 필드 'answers.L': 기대한 것: 수, 받은 것: 아무것도 없음"

The catalog was made from the distinct stderr lines of the hostile-input tests
(``tests/hostile``); ``tests/test_korean.py`` runs those inputs with ``--lang ko`` and
fails on any line without Hangul. The Korean words come from :mod:`derive.printing.glossary`.
"""

from __future__ import annotations

import functools
import re
import string

from derive.printing import glossary as g

#: Whole sentences: English template -> Korean template (fields by name, ``{{``/``}}`` for braces).
SENTENCES: dict[str, str] = {
    # reading a formula (derive.latex.adapter)
    r"{token} (a new row) is understood only inside \begin{{cases}}":
        rf"{{token}}(새 {g.ROW})은 \begin{{{{cases}}}} 안에서만 쓸 수 있다",
    r"{token} is understood only inside \begin{{cases}}": r"{token}은(는) \begin{{cases}} 안에서만 쓸 수 있다",
    "{token} is not something derive understands in a formula": f"{{token}}은(는) derive가 {g.FORMULA}에서 "
                                                                "이해하지 못하는 것이다",
    r"\frac needs two groups: \frac{{a}}{{b}}": r"\frac에는 그룹이 두 개 필요하다: \frac{{a}}{{b}}",
    "a {token} inside the formula: write the formula alone, or wrapped whole in $...$":
        f"{g.FORMULA} 안에 {{token}}: {g.FORMULA}만 적거나, {g.FORMULA} 전체를 $...$로 감싸라",
    "a power of numbers in the formula is too large to compute": f"{g.FORMULA}의 거듭제곱이 너무 커서 계산할 수 없다",
    "a sum of {count} terms (at most {most})": f"{g.TERM}이 {{count}}개인 {g.SUM} (최대 {{most}}개)",
    "an unmatched {token}: an absolute value needs two bars (evaluation bars are not understood)":
        "짝이 없는 {token}: 절댓값에는 막대가 두 개 필요하다 (값을 대입하는 막대는 이해하지 못한다)",
    r"cannot read {text} at character {at}: write LaTeX in ASCII (\alpha, not α)":
        r"{text}를 읽을 수 없다 ({at}번째 문자): LaTeX는 ASCII로 적어라 (α가 아니라 \alpha)",
    "cannot read {text}: expected one expression, got a list": f"{{text}}를 읽을 수 없다: {g.FORMULA} 하나가 "
                                                                "필요한데 목록이다",
    "cannot read {text}: it ends too early": "{text}를 읽을 수 없다: 너무 일찍 끝난다",
    "cannot read {text}: stopped at character {at} ({rest}): expected one expression, not a list":
        f"{{text}}를 읽을 수 없다: {{at}}번째 문자({{rest}})에서 멈췄다: 목록이 아니라 {g.FORMULA} 하나가 필요하다",
    "cannot read {text}: stopped at character {at} ({rest})": "{text}를 읽을 수 없다: {at}번째 문자({rest})에서 멈췄다",
    "expected an expression, not an equation (found {token})": f"등식이 아니라 {g.FORMULA}이 필요하다 ({{token}}이 있다)",
    "expected an expression, not an equation or inequality": f"등식이나 부등식이 아니라 {g.FORMULA}이 필요하다",
    "only real, finite numbers are allowed": "유한한 실수만 쓸 수 있다",
    r"primes (f') are not understood; write \frac{{\partial f}}{{\partial x}}":
        r"프라임(f')은 이해하지 못한다; \frac{{\partial f}}{{\partial x}}로 적어라",
    "the formula has no finite real value": f"{g.FORMULA}에 유한한 실수 값이 없다",
    "the formula is nested too deeply ({depth} levels, at most {most})":
        f"{g.FORMULA}이 너무 깊이 중첩되었다 ({{depth}}단계, 최대 {{most}})",
    "the formula is too long ({count} characters, at most {most})": f"{g.FORMULA}이 너무 길다 ({{count}}자, 최대 {{most}})",
    "the number {number} is out of range": "수 {number}이(가) 범위를 벗어난다",
    "the number is written with too many digits (at most {most} characters)": "수의 자릿수가 너무 많다 (최대 {most}자)",
    "unbalanced brackets: {count} left open": "괄호 짝이 맞지 않는다: {count}개가 열린 채 남았다",
    "unbalanced brackets: a closing one without an opening one": "괄호 짝이 맞지 않는다: 여는 괄호 없이 닫는 괄호가 있다",
    "unknown LaTeX command {command}": "알 수 없는 LaTeX 명령 {command}",
    "nested too deeply (more than {depth} levels)": "너무 깊이 중첩되었다 ({depth}단계 초과)",
    # formulas for a rule (derive.check.equiv)
    "unknown name {name} for rule {rule} (its names: {names})": "규칙 {rule}에 없는 이름 {name} (이름: {names})",
    "unknown name {name} with an index for rule {rule} (its names: {names})":
        "규칙 {rule}에 없는 첨자 붙은 이름 {name} (이름: {names})",
    "{name} has {rank} index(es) in {rule}, the formula gives {count}":
        f"{{name}}은(는) {{rule}}에서 첨자가 {{rank}}개인데 {g.FORMULA}에는 {{count}}개다",
    "the sum runs to {names}, which is not a size of {rule} (its sizes: {sizes})":
        f"{g.SUM}이 {{names}}까지 가는데, 이는 {{rule}}의 크기가 아니다 (크기: {{sizes}})",
    r"products of two matrices (or with a row vector) are not understood; write matrix-vector products "
    r"(W^\top v) and outer products (a b^\top)":
        rf"두 {g.MATRIX}의 곱(또는 행 {g.VECTOR}와의 곱)은 이해하지 못한다; {g.MATRIX}-{g.VECTOR} 곱(W^\top v)과 "
        r"외적(a b^\top)으로 적어라",
    r"a transposed vector needs a column vector before it, as in a b^\top":
        rf"{g.TRANSPOSE}된 {g.VECTOR} 앞에는 열 {g.VECTOR}가 있어야 한다 (a b^\top처럼)",
    "the formula uses {name} itself; write it with the inputs and other quantities":
        f"{g.FORMULA}이 {{name}} 자신을 쓴다; {g.INPUT}과 다른 {g.QUANTITY}으로 적어라",
    "the formula has the free index(es) {indices} but {name} has {count} axes":
        f"{g.FORMULA}에 자유 첨자 {{indices}}가 있는데 {{name}}의 축은 {{count}}개다",
    "{rule} has no quantity {name} (its quantities: {names})": f"{{rule}}에는 {g.QUANTITY} {{name}}이(가) 없다 "
                                                              f"({g.QUANTITY}: {{names}})",
    "too complex to decide: {reason}": "너무 복잡해서 판정할 수 없다: {reason}",
    "could not decide: {reason}": "판정할 수 없다: {reason}",
    "the check ran out of its time budget ({seconds} s of CPU time)": "검사가 시간 예산을 다 썼다 (CPU 시간 {seconds}초)",
    "the derivative needs more than {count} steps": f"{g.DERIVATIVE}에 {{count}}단계보다 많이 필요하다",
    # derive grad
    "derive grad needs a scalar expression; components (y_k) and sums over them are not supported, write the "
    "terms out": f"derive grad에는 {g.SCALAR} {g.FORMULA}이 필요하다; {g.COMPONENT}(y_k)와 그 {g.SUM}은 지원하지 "
                 f"않으니 {g.TERM}을 풀어 적어라",
    "derive grad needs a scalar expression; transposes and other array operations are not supported":
        f"derive grad에는 {g.SCALAR} {g.FORMULA}이 필요하다; {g.TRANSPOSE} 같은 배열 연산은 지원하지 않는다",
    "the expression has no variables": f"{g.FORMULA}에 {g.VARIABLE}가 없다",
    "the expression has no variable named {name} (its variables: {names})":
        f"{g.FORMULA}에 {{name}}이라는 {g.VARIABLE}가 없다 ({g.VARIABLE}: {{names}})",
    "{name} = {formula} is not defined at this point (it has no finite real value there)":
        "{name} = {formula}는 이 점에서 정의되지 않는다 (유한한 실수 값이 없다)",
    "missing values for {names}": "{names}의 값이 없다",
    "{name} is given twice": "{name}이(가) 두 번 주어졌다",
    "is a folder; expected a file name such as grad.py": "폴더다; grad.py 같은 파일 이름이 필요하다",
    "the folder {folder} does not exist": "폴더 {folder}가 없다",
    "cannot write in the folder {folder} (permission denied)": "폴더 {folder}에 쓸 수 없다 (권한 없음)",
    "cannot write the file ({reason})": "파일을 쓸 수 없다 ({reason})",
    "the variable {name} cannot be a Python argument name": f"{g.VARIABLE} {{name}}은(는) Python 인자 이름이 될 수 없다",
    # files and folders (derive.paths, derive.check)
    "a name in the path is longer than {count} bytes": "경로의 이름이 {count}바이트보다 길다",
    "the path contains a NUL character": "경로에 NUL 문자가 있다",
    "no such file or folder": "그런 파일이나 폴더가 없다",
    "not a regular file or folder (expected a YAML file or a folder of them)":
        "일반 파일이나 폴더가 아니다 (YAML 파일이나 YAML 파일이 든 폴더가 필요하다)",
    "not a folder of worked examples (expected a directory of *.yaml files)":
        "풀이 예제 폴더가 아니다 (*.yaml 파일이 든 폴더가 필요하다)",
    "the folder has no YAML files (*.yaml, *.yml)": "폴더에 YAML 파일(*.yaml, *.yml)이 없다",
    "cannot read the folder (permission denied)": "폴더를 읽을 수 없다 (권한 없음)",
    "cannot create the folder ({reason})": "폴더를 만들 수 없다 ({reason})",
    "the file is binary, not YAML text (it contains NUL bytes)": "파일이 YAML 텍스트가 아니라 바이너리다 (NUL 바이트가 있다)",
    "the file is empty (only comments); expected a mapping of fields": "파일이 비어 있다 (주석뿐이다); 필드의 매핑이 필요하다",
    "the file is empty; expected a worked example (rule, inputs, answers) or a derivation (lines)":
        f"파일이 비어 있다; 풀이 예제(rule, inputs, answers)나 {g.DERIVATION}(lines)가 필요하다",
    "the file is not UTF-8 text (byte {byte} at offset {offset})": "파일이 UTF-8 텍스트가 아니다 (위치 {offset}의 바이트 {byte})",
    "the file is too large ({size} bytes, at most {most})": "파일이 너무 크다 ({size}바이트, 최대 {most})",
    "too many lines ({count}, at most {most})": "줄이 너무 많다 ({count}줄, 최대 {most})",
    "too many numbers (at most {most})": "수가 너무 많다 (최대 {most}개)",
    # worked-example files (derive.check.worked, derive.engine.domains, derive.registry)
    "not valid YAML: {detail}": "올바른 YAML이 아니다: {detail}",
    "YAML aliases (*name) are not allowed; write the value out": "YAML 별칭(*name)은 쓸 수 없다; 값을 직접 적어라",
    "YAML tags ({tag}) are not allowed": "YAML 태그({tag})는 쓸 수 없다",
    "merge keys (<<) are not allowed": "병합 키(<<)는 쓸 수 없다",
    "the key is given twice": "키가 두 번 주어졌다",
    "the rows have different lengths (or mix numbers and lists)": f"{g.ROW}의 길이가 다르다 (또는 수와 목록이 섞였다)",
    "{name} is an input of {rule}, not a quantity to answer": f"{{name}}은(는) {{rule}}의 {g.INPUT}이지 답할 "
                                                              f"{g.QUANTITY}이 아니다",
    "{name} is not an input of {rule} (its inputs: {names})": f"{{name}}은(는) {{rule}}의 {g.INPUT}이 아니다 "
                                                              f"({g.INPUT}: {{names}})",
    "{name} is not a rule: it is the generated NumPy loop {module}, whose step is proven in {where}; known "
    "rules: {names}": "{name}은(는) 규칙이 아니다: 생성된 NumPy 반복문 {module}이며, 그 한 단계는 {where}에서 "
                      "증명된다; 알려진 규칙: {names}",
    "unknown rule {name}; known rules: {names}": "알 수 없는 규칙 {name}; 알려진 규칙: {names}",
    "unknown expectation {name} (known: {names})": "알 수 없는 expect 항목 {name} (가능한 것: {names})",
    "missing field {name}": "필드 {name}이(가) 없다",
    "missing field {name} ({what})": "필드 {name}이(가) 없다 ({what})",
    "missing {name} ({what})": "{name}이(가) 없다 ({what})",
    "expected a number, but the formula has the variables {names}": f"수가 필요한데 {g.FORMULA}에 {g.VARIABLE} "
                                                                    "{names}가 있다",
    "expected at least one answer": "답이 하나 이상 필요하다",
    "expected plain names as keys": "키는 평범한 이름이어야 한다",
    "expected a verb: {verbs} (see {help})": "동사가 필요하다: {verbs} ({help} 참고)",
    "expected {what}, got {got}": "기대한 것: {what}, 받은 것: {got}",
    "expected {what}": "기대한 것: {what}",
    # the command line (argparse, derive.cli.main)
    "the following arguments are required: {names}": "다음 인자가 필요하다: {names}",
    "unrecognized arguments: {names}": "알 수 없는 인자: {names}",
    "argument {name}: invalid choice: {value} (choose from {names})": "인자 {name}: 잘못된 선택 {value} "
                                                                     "({names} 중에서 고르라)",
    "argument {name}: invalid int value: {value}": "인자 {name}: 정수가 아닌 값 {value}",
    "argument {name}: expected one argument": "인자 {name}: 값이 하나 필요하다",
    "(see 'derive --help')": "('derive --help' 참고)",
    "interrupted": "중단됨",
    # a line of a derivation file (derive.check.derivation_file)
    "start": "시작",
    "follows ({method})": "앞 줄에서 이어진다 ({method})",
    "DOES NOT FOLLOW from line {number}: {detail}": "{number}번째 줄에서 이어지지 않는다: {detail}",
    "{detail} (counterexample: {point})": f"{{detail}} ({g.COUNTEREXAMPLE}: {{point}})",
}

#: Noun phrases that stand in a sentence's field ("expected {what}, got {got}").
PHRASES: dict[str, str] = {
    "a number": "수",
    "numbers": "수",
    "a finite number": "유한한 수",
    "a number for {name}": "{name}의 수 하나",
    "a number >= {least}": "{least} 이상의 수",
    "a number (like {examples})": "수 (예: {examples})",
    "a number written in decimal (like {examples}) or a LaTeX formula in quotes":
        f"십진수로 적은 수 (예: {{examples}}) 또는 따옴표 안의 LaTeX {g.FORMULA}",
    "a number from {low} to {high} (a probability, or a 0/1 target)": "{low}에서 {high} 사이의 수 (확률, 또는 0/1 "
                                                                     f"{g.TARGET})",
    "a number or a list of numbers": "수 또는 수의 목록",
    "a number, a list or a list of lists": "수, 목록, 또는 목록의 목록",
    "a list of {count} numbers": "수 {count}개의 목록",
    "a list of {count} numbers for {name}": "{name}의 수 {count}개짜리 목록",
    "a list of {count} numbers ({detail})": "수 {count}개의 목록 ({detail})",
    "a list of {count}": "항목 {count}개의 목록",
    "{rows} rows of {count} numbers": f"수 {{count}}개짜리 {g.ROW} {{rows}}개",
    "{rows} rows of {count} numbers for {name}": f"{{name}}의 수 {{count}}개짜리 {g.ROW} {{rows}}개",
    "{rows} rows of {count} numbers ({detail})": f"수 {{count}}개짜리 {g.ROW} {{rows}}개 ({{detail}})",
    "a one-hot vector (one 1, the rest 0)": f"{g.ONE_HOT} {g.VECTOR} (하나는 1, 나머지는 0)",
    "a mapping": "매핑",
    "a mapping such as {example}": "{example} 같은 매핑",
    "a mapping of fields (rule, inputs, answers for a worked example; lines for a derivation)":
        f"필드의 매핑 (풀이 예제는 rule, inputs, answers; {g.DERIVATION}는 lines)",
    "a value such as half or 2": "half나 2 같은 값",
    "an empty list": "빈 목록",
    "an empty string": "빈 문자열",
    "nothing": "아무것도 없음",
    "the boolean {value}": "불리언 {value}",
    "a text": "텍스트",
    "a path": "경로",
    "a formula": g.FORMULA,
    "a name from `derive list`": "`derive list`에 있는 이름",
    "name=value pairs separated by commas": "쉼표로 구분한 name=value 쌍",
    "a LaTeX string or {{latex: ..., why: ...}}": "LaTeX 문자열 또는 {{latex: ..., why: ...}}",
    "{{abs: number}} and/or {{rel: number}}": "{{abs: 수}}와/또는 {{rel: 수}}",
    "one of {names}": "{names} 중 하나",
    "the name of an answered quantity or null": f"답한 {g.QUANTITY}의 이름 또는 null",
    "symbolic": "기호 증명",
    "numeric": "수치 검증",
    "a file name such as grad.py": "grad.py 같은 파일 이름",
}

#: Leading ``...:`` parts of a message that are words, not data (a file name stays as it is).
PREFIXES: dict[str, str] = {
    "too complex to decide": "너무 복잡해서 판정할 수 없다",
    "could not decide": "판정할 수 없다",
    "not valid YAML": "올바른 YAML이 아니다",
}

_FIELD = re.compile(r"^field '(?P<field>.*)'$", re.DOTALL)


def _compile(template: str) -> tuple[re.Pattern, int]:
    """The template as an anchored regular expression, and how many literal characters it has."""
    parts, literal_count = [], 0
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        literal_count += len(literal)
        if field is not None:
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts), re.DOTALL), literal_count


@functools.cache
def _patterns(kind: str) -> tuple:
    table = SENTENCES if kind == "sentences" else PHRASES
    return tuple((*_compile(english), korean) for english, korean in table.items())


def _match(text: str, kind: str) -> tuple[int, str] | None:
    """(literal characters matched, the Korean) of the most specific template that matches all of ``text``."""
    best = None
    for pattern, literal_count, korean in _patterns(kind):
        if best is not None and literal_count <= best[0]:
            continue
        found = pattern.fullmatch(text)
        if found is not None:
            best = (literal_count, korean, found)
    if best is None:
        return None
    literal_count, korean, found = best
    return literal_count, korean.format(**{k: _field(v) for k, v in found.groupdict().items()})


def _field(value: str) -> str:
    """A field's value: a phrase or a sentence translated, anything else (data) as it is."""
    phrase = _match(value, "phrases")
    if phrase is not None:
        return phrase[1]
    return _sentence(value) or value


def _where(part: str) -> str:
    found = _FIELD.match(part)
    return f"필드 '{found['field']}'" if found else PREFIXES.get(part, part)


def _sentence(message: str) -> str | None:
    """``message`` in Korean: the most specific template that matches it whole, or after its leading
    ``where:`` parts (kept, but for ``field '...'``); None when none does."""
    best = None
    start = -2
    while True:
        rest = message[start + 2:]
        found = _match(rest, "sentences")
        if found is not None and (best is None or found[0] >= best[0]):
            prefix = ": ".join(_where(p) for p in message[:start].split(": ")) + ": " if start >= 0 else ""
            best = (found[0], prefix + found[1])
        start = message.find(": ", start + 2)
        if start < 0:
            break
    return best[1] if best else None


def translate(message: str, lang: str = "en") -> str:
    """``message`` (one of derive's English error lines) in ``lang``; as it is for English, and where no
    pattern of :data:`SENTENCES` matches."""
    if lang != "ko" or not message:
        return message
    return _sentence(message) or message


__all__ = ["PHRASES", "PREFIXES", "SENTENCES", "translate"]
