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

A field named ``at`` is a position (``at character {at}``) and matches digits only. When several
readings match, the one with the most literal characters wins, counting those of the sentences and
phrases matched inside its fields: ``"{message}; hint"`` is read where its message is a sentence too.
Hints that only ever follow another message (``..., at character 3: write the number first``) are
:data:`PHRASES`, so that a hint is never translated alone while the message before it stays English.

The catalog was made from the distinct stderr lines of the hostile-input tests
(``tests/hostile``); ``tests/test_korean.py`` runs those inputs with ``--lang ko`` and
fails on any line without Hangul. The matrix messages (``derive grad --shape``, ``derive equiv``
with norms, traces and products of matrices) come from the malformed cases of the matrix tests,
run by ``tests/test_korean_matrix.py``. The Korean words come from :mod:`derive.printing.glossary`.
"""

from __future__ import annotations

import functools
import re
import string

from derive.printing import glossary as g


def _placed(table: dict[str, str]) -> dict[str, str]:
    """``table`` and each of its sentences with the place the matrix reader adds: `` (at character N)``."""
    return table | {f"{english} (at character {{at}})": f"{korean} ({{at}}번째 문자)"
                    for english, korean in table.items()}


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
    # the shapes of derive grad --shape (derive.matrix.expr; "(at character N)" added by the reader)
    **_placed({
        "cannot add {a} and {b}: the shapes differ": f"{{a}}와(과) {{b}}을(를) 더할 수 없다: {g.SHAPE}이 다르다",
        "cannot multiply element-wise {a} and {b}: the shapes differ":
            f"{{a}}와(과) {{b}}을(를) {g.ELEMENTWISE}로 곱할 수 없다: {g.SHAPE}이 다르다",
        "cannot divide element-wise {a} and {b}: the shapes differ":
            f"{{a}}을(를) {{b}}(으)로 {g.ELEMENTWISE}로 나눌 수 없다: {g.SHAPE}이 다르다",
        "cannot scale {a} and {b}: the factor must be a scalar":
            f"{{a}}에 {{b}}을(를) 곱할 수 없다: 곱하는 수는 {g.SCALAR}여야 한다",
        "cannot multiply {a} by {b}: {cols} columns against {rows} rows":
            f"{{a}}에 {{b}}을(를) 곱할 수 없다: {g.COLUMN} {{cols}}개와 {g.ROW} {{rows}}개가 맞지 않는다",
        "softmax needs a vector, got {operand}": f"{g.SOFTMAX}에는 {g.VECTOR}가 필요한데 {{operand}}이(가) 주어졌다",
        "log-sum-exp needs a vector, got {operand}": f"log-sum-exp에는 {g.VECTOR}가 필요한데 {{operand}}이(가) "
                                                     "주어졌다",
        "diag needs a vector, got {operand}": f"diag에는 {g.VECTOR}가 필요한데 {{operand}}이(가) 주어졌다",
        "the trace needs a square matrix, got {operand}":
            f"{g.TRACE}에는 정사각 {g.MATRIX}이 필요한데 {{operand}}이(가) 주어졌다",
        "the inverse needs a square matrix, got {operand}":
            f"{g.INVERSE}에는 정사각 {g.MATRIX}이 필요한데 {{operand}}이(가) 주어졌다",
        "the determinant needs a square matrix, got {operand}":
            f"{g.DETERMINANT}에는 정사각 {g.MATRIX}이 필요한데 {{operand}}이(가) 주어졌다",
        "the log-determinant needs a square matrix, got {operand}":
            f"{g.LOG} {g.DETERMINANT}에는 정사각 {g.MATRIX}이 필요한데 {{operand}}이(가) 주어졌다",
        r"the Euclidean norm \|·\| is for vectors; {operand} is a matrix (write \|·\|_F for the Frobenius norm)":
            rf"유클리드 {g.NORM} \|·\|는 {g.VECTOR}에 쓴다; {{operand}}은(는) {g.MATRIX}이다 "
            rf"(프로베니우스 {g.NORM}은 \|·\|_F로 적어라)",
        "division by zero: {expression}": "0으로 나눌 수 없다: {expression}",
    }),
    # reading a formula of derive grad --shape (derive.matrix.parse): "message at character N: hint"
    "unknown command {command} at character {at}": "알 수 없는 LaTeX 명령 {command} ({at}번째 문자)",
    "unknown function {name} at character {at}": "알 수 없는 함수 {name} ({at}번째 문자)",
    "unexpected character {char} at character {at}": "예상하지 못한 문자 {char} ({at}번째 문자)",
    r"unexpected character {char} at character {at}: write LaTeX in ASCII (\alpha, not α)":
        r"예상하지 못한 문자 {char} ({at}번째 문자): LaTeX는 ASCII로 적어라 (α가 아니라 \alpha)",
    "unexpected {found} at character {at}": "예상하지 못한 {found} ({at}번째 문자)",
    "unexpected {found} at character {at}: {hint}": "예상하지 못한 {found} ({at}번째 문자): {hint}",
    "unexpected end at the end of the formula": f"{g.FORMULA}이 예상보다 일찍 끝났다",
    "expected {what} at character {at}": "기대한 것: {what} ({at}번째 문자)",
    "expected {what} at character {at}: {hint}": "기대한 것: {what} ({at}번째 문자): {hint}",
    "expected {what}, found {found} at character {at}": "기대한 것: {what}, 받은 것: {found} ({at}번째 문자)",
    "expected {what}, found {found} at character {at}: {hint}":
        "기대한 것: {what}, 받은 것: {found} ({at}번째 문자): {hint}",
    "expected {what} at the end of the formula": f"기대한 것: {{what}}, 받은 것: {g.FORMULA}의 끝",
    "expected {what} at the end of the formula: {hint}": f"기대한 것: {{what}}, 받은 것: {g.FORMULA}의 끝; {{hint}}",
    "expected {closing} at character {at} (to close the {what} opened at character {opened})":
        "{opened}번째 문자에서 연 {what}을(를) 닫을 {closing}이(가) {at}번째 문자에 있어야 한다",
    "cannot read {text}: the {what} opened at character {at} is never closed":
        "{text}를 읽을 수 없다: {at}번째 문자에서 연 {what}이(가) 닫히지 않았다",
    "the formula ends too early: expected an operand": f"{g.FORMULA}이 너무 일찍 끝난다: 피연산자가 필요하다",
    "the formula is nested too deeply": f"{g.FORMULA}이 너무 깊이 중첩되었다",
    "the formula is nested too deeply (more than {depth} levels) at character {at}":
        f"{g.FORMULA}이 너무 깊이 중첩되었다 ({{depth}}단계 초과, {{at}}번째 문자)",
    "the formula chains too many operations (its tree is {depth} levels deep, at most {most})":
        f"{g.FORMULA}에 연산이 너무 많이 이어진다 (트리 깊이 {{depth}}단계, 최대 {{most}})",
    r"the length of a \mathbf{{1}} or the size of an I cannot be told from {text}: use it in a product or sum "
    "with a declared vector or matrix":
        r"{text}에서는 \mathbf{{1}}의 길이나 I의 크기를 알 수 없다: 선언된 " + g.VECTOR + "나 " + g.MATRIX
        + "과의 곱이나 " + g.SUM + " 안에서 써라",
    "the shape of {name} must be (rows, cols), two positive whole numbers; got {shape}":
        f"{{name}}의 {g.SHAPE}은 (rows, cols), 곧 양의 정수 두 개여야 한다; 받은 것: {{shape}}",
    "{command} is not understood at character {at}": "{command}은(는) 이해하지 못한다 ({at}번째 문자)",
    r"\min is not understood (\max(0, x) is the ReLU) at character {at}":
        r"\min은 이해하지 못한다 (ReLU는 \max(0, x)로 적는다) ({at}번째 문자)",
    "trigonometric functions are not understood at character {at}": "삼각함수는 이해하지 못한다 ({at}번째 문자)",
    "environments (matrices, cases) are not understood at character {at}":
        f"환경({g.MATRIX}, cases)은 이해하지 못한다 ({{at}}번째 문자)",
    "write the expression itself: derive grad differentiates it at character {at}":
        f"{g.FORMULA} 자체를 적어라: {g.DIFFERENTIATE}은 derive grad가 한다 ({{at}}번째 문자)",
    r"\max is understood only as \max(0, x), the ReLU at character {at}":
        r"\max는 ReLU인 \max(0, x)로만 이해한다 ({at}번째 문자)",
    r"only the square root is understood at character {at}": "제곱근만 이해한다 ({at}번째 문자)",
    r"a subscript on a function is not understood (\log is the natural logarithm) at character {at}":
        rf"함수에 붙은 아래첨자는 이해하지 못한다 (\log는 {g.NATURAL_LOG}다) ({{at}}번째 문자)",
    r"the power of a function must be a number, as in \tanh^2(x) at character {at}":
        r"함수의 거듭제곱은 수여야 한다 (\tanh^2(x)처럼) ({at}번째 문자)",
    r"{name} of components is not understood at character {at}: apply it to the whole vector, as in "
    r"\operatorname{{{function}}}(z)_i":
        f"{g.COMPONENT}의 {{name}}은(는) 이해하지 못한다 ({{at}}번째 문자): {g.VECTOR} 전체에 적용하라 "
        r"(\operatorname{{{function}}}(z)_i처럼)",
    "{command} without brackets applies to one factor, {factor} at character {at}: put its argument in "
    "brackets: {fixed}":
        "괄호가 없는 {command}은(는) 바로 뒤 인수 하나 {factor}에만 적용된다 ({at}번째 문자): 인자를 괄호로 "
        "묶어라: {fixed}",
    "only {command}{{1}} (the all-ones vector) is understood at character {at}":
        f"{{command}}{{{{1}}}}(모든 {g.COMPONENT}이 1인 {g.VECTOR})만 이해한다 ({{at}}번째 문자)",
    r"the length of \mathbf{{1}} must be a number or a letter at character {at}":
        r"\mathbf{{1}}의 길이는 수나 문자여야 한다 ({at}번째 문자)",
    # names, components and scripts (derive.matrix.parse)
    "the index {index} alone is not understood at character {at}: use it as a subscript, as in x_{sub}":
        f"{g.INDEX} {{index}}만 따로 쓰는 것은 이해하지 못한다 ({{at}}번째 문자): x_{{sub}}처럼 아래첨자로 써라",
    r"{base} has a --shape but {full} has none at character {at}: declare {name} with --shape too "
    r"(components of {other} are read only under \sum)":
        f"{{base}}에는 --shape가 있지만 {{full}}에는 없다 ({{at}}번째 문자): {{name}}도 --shape로 선언하라 "
        rf"({{other}}의 {g.COMPONENT}은 \sum 안에서만 읽는다)",
    r"{index} is not the index of an enclosing \sum at character {at}":
        rf"{{index}}은(는) 바깥 \sum의 {g.INDEX}가 아니다 ({{at}}번째 문자)",
    r"{index} is not the index of an enclosing \sum at character {at}: {hint}":
        rf"{{index}}은(는) 바깥 \sum의 {g.INDEX}가 아니다 ({{at}}번째 문자): {{hint}}",
    "{base} is a scalar, so it has no components at character {at}: declare its shape, e.g. --shape {name}=3":
        f"{{base}}은(는) {g.SCALAR}라서 {g.COMPONENT}이 없다 ({{at}}번째 문자): {g.SHAPE}을 선언하라 "
        "(예: --shape {name}=3)",
    "cannot read the name {name} at character {at}": "이름 {name}을(를) 읽을 수 없다 ({at}번째 문자)",
    "a matrix ({shape}) has components with two indices at character {at}":
        f"{g.MATRIX}({{shape}})의 {g.COMPONENT}에는 {g.INDEX}가 두 개 붙는다 ({{at}}번째 문자)",
    "a vector ({shape}) has components with one index at character {at}":
        f"{g.VECTOR}({{shape}})의 {g.COMPONENT}에는 {g.INDEX}가 하나 붙는다 ({{at}}번째 문자)",
    "these are components already at character {at}": f"이미 {g.COMPONENT}이다 ({{at}}번째 문자)",
    "a scalar has no components at character {at}": f"{g.SCALAR}에는 {g.COMPONENT}이 없다 ({{at}}번째 문자)",
    "a script of more than one character needs braces at character {at}: {script}":
        "두 글자 이상인 위첨자나 아래첨자에는 중괄호가 필요하다 ({at}번째 문자): {script}",
    "cannot read the subscript {sub} at character {at}": "아래첨자 {sub}을(를) 읽을 수 없다 ({at}번째 문자)",
    r"cannot read the subscript {sub} at character {at}: expected letters, digits or \text{{...}}":
        r"아래첨자 {sub}을(를) 읽을 수 없다 ({at}번째 문자): 문자, 숫자 또는 \text{{...}}만 쓸 수 있다",
    "an empty subscript at character {at}": "빈 아래첨자 ({at}번째 문자)",
    "a number after a factor at character {at}: write the number first (2x), or braces for a subscript (x_{{12}})":
        "인수 뒤에 수가 있다 ({at}번째 문자): 수를 앞에 적거나 (2x), 아래첨자라면 중괄호로 묶어라 (x_{{12}})",
    r"a superscript must be a number, \top, -1 or -\top at character {at}: only e^{{...}} takes an expression":
        rf"위첨자는 수, \top, -1, -\top 중 하나여야 한다 ({{at}}번째 문자): {g.FORMULA}을 받는 것은 "
        r"e^{{...}}뿐이다",
    r"a power of a matrix is not understood at character {at}: write the product (A A), the element-wise "
    r"product (A \odot A) or ^{{-1}} for the inverse":
        f"{g.MATRIX}의 거듭제곱은 이해하지 못한다 ({{at}}번째 문자): 곱(A A)이나 {g.ELEMENTWISE} 곱"
        rf"(A \odot A)으로 적고, {g.INVERSE}은 ^{{{{-1}}}}로 적어라",
    "the power of a number is too large to compute at character {at}":
        "수의 거듭제곱이 너무 커서 계산할 수 없다 ({at}번째 문자)",
    r"|.| of a vector is not understood at character {at}: write \|.\| for its norm":
        rf"{g.VECTOR}의 |.|는 이해하지 못한다 ({{at}}번째 문자): {g.NORM}은 \|.\|로 적어라",
    "only the norms _1, _2 and _F are understood at character {at}":
        f"{g.NORM}은 _1, _2, _F만 이해한다 ({{at}}번째 문자)",
    # sums (derive.matrix.parse)
    r"the index {index} is already the index of a \sum at character {at}":
        rf"{g.INDEX} {{index}}은(는) 이미 다른 \sum의 {g.INDEX}다 ({{at}}번째 문자)",
    r"{index} is declared with --shape: it cannot be the index of a \sum at character {at}":
        rf"{{index}}은(는) --shape로 선언되어 \sum의 {g.INDEX}가 될 수 없다 ({{at}}번째 문자)",
    r"\sum needs an index, as in \sum_i at character {at}":
        rf"\sum에는 {g.INDEX}가 필요하다 (\sum_i처럼) ({{at}}번째 문자)",
    r"a \sum with a lower bound has one index, as in \sum_{{i=1}}^{{n}} at character {at}":
        r"아래 범위가 있는 \sum의 " + g.INDEX + r"는 하나다 (\sum_{{i=1}}^{{n}}처럼) ({at}번째 문자)",
    r"the index of a \sum must be a single letter, as in \sum_i at character {at}":
        rf"\sum의 {g.INDEX}는 한 글자여야 한다 (\sum_i처럼) ({{at}}번째 문자)",
    r"the bound {bound} of a \sum must be a number or a single letter at character {at}":
        r"\sum의 범위 {bound}은(는) 수나 한 글자여야 한다 ({at}번째 문자)",
    r"the body does not depend on {indices} at character {at}: give number bounds, as in \sum_{{i=1}}^{{3}}, "
    "to repeat it":
        f"{g.SUM}의 본문이 {{indices}}에 의존하지 않는다 ({{at}}번째 문자): 반복하려면 "
        r"\sum_{{i=1}}^{{3}}처럼 범위를 수로 적어라",
    "the body does not depend on {index} at character {at}":
        f"{g.SUM}의 본문이 {{index}}에 의존하지 않는다 ({{at}}번째 문자)",
    "an empty sum at character {at}": f"빈 {g.SUM} ({{at}}번째 문자)",
    "{index} runs from {low} to {high}, but the vector has {length} components at character {at}: a sum runs "
    "over all the components; write a part out term by term":
        f"{{index}}이(가) {{low}}부터 {{high}}까지인데 {g.VECTOR}의 {g.COMPONENT}은 {{length}}개다 "
        f"({{at}}번째 문자): {g.SUM}은 모든 {g.COMPONENT}에 걸쳐야 한다; 일부만 더하려면 {g.TERM}을 하나씩 적어라",
    r"a sum over {indices} with {free} still free is not understood at character {at}: sum over all the "
    r"indices at once, as in \sum_{{i,j}}":
        f"{{free}}이(가) 자유 {g.INDEX}로 남은 채 {{indices}}에 대해서만 더하는 {g.SUM}은 이해하지 못한다 "
        f"({{at}}번째 문자): " + r"\sum_{{i,j}}처럼 모든 " + g.INDEX + "에 대해 한 번에 더하라",
    "cannot combine {a} (components over {a_indices}) with {b} (components over {b_indices}) at character {at}":
        f"{{a}}({{a_indices}}에 대한 {g.COMPONENT})와 {{b}}({{b_indices}}에 대한 {g.COMPONENT})를 함께 쓸 수 "
        "없다 ({at}번째 문자)",
    r"{plain} ({shape}) cannot be combined with the components {part} at character {at}: under a \sum only "
    r"scalars and components mix":
        f"{{plain}} ({{shape}})은(는) {g.COMPONENT} {{part}}와 함께 쓸 수 없다 ({{at}}번째 문자): "
        rf"\sum 안에서는 {g.SCALAR}와 {g.COMPONENT}만 섞을 수 있다",
    # derive grad --shape (derive.cli.grad_matrix, derive.cli.grad)
    "expected NAME=N for a vector or NAME=RxC for a matrix (x=3, W=2x3)":
        f"{g.VECTOR}는 NAME=N, {g.MATRIX}은 NAME=RxC로 적어야 한다 (x=3, W=2x3)",
    "sizes must be at least 1 and at most {most} components":
        f"크기는 1 이상이어야 하고 {g.COMPONENT}은 최대 {{most}}개다",
    "declared twice, as {first} and {second}": "두 번 선언되었다: {first}, {second}",
    "the expression has no variable named {name} (its variables: none)":
        f"{g.FORMULA}에 {{name}}이라는 {g.VARIABLE}가 없다 ({g.VARIABLE} 없음)",
    "{expression} is a {kind}, not a scalar; derive grad differentiates a scalar expression (add --jacobian "
    "for the Jacobian of a vector)":
        f"{{expression}}은(는) {g.SCALAR}가 아니라 {{kind}}이다; derive grad는 {g.SCALAR} {g.FORMULA}을 "
        f"{g.DIFFERENTIATE}한다 ({g.VECTOR}의 {g.JACOBIAN}은 --jacobian을 붙여라)",
    "{expression} is a {kind}, not a scalar; derive grad differentiates a scalar expression (add --jacobian "
    "for the Jacobian of a vector); names without --shape are scalars: {names}":
        f"{{expression}}은(는) {g.SCALAR}가 아니라 {{kind}}이다; derive grad는 {g.SCALAR} {g.FORMULA}을 "
        f"{g.DIFFERENTIATE}한다 ({g.VECTOR}의 {g.JACOBIAN}은 --jacobian을 붙여라); --shape가 없는 이름은 "
        f"{g.SCALAR}다: {{names}}",
    "expected {what}; the lists are ragged or hold non-numbers":
        "기대한 것: {what}; 목록의 길이가 고르지 않거나 수가 아닌 것이 들어 있다",
    "not available with --jacobian yet; emit the gradients of a scalar":
        f"아직 --jacobian과 함께 쓸 수 없다; {g.SCALAR}의 {g.GRADIENT}를 내보내라",
    "components (y_k) and sums over them need the vector's length: declare it with --shape (y=3), or write "
    "the terms out":
        f"{g.COMPONENT}(y_k)와 그 {g.SUM}에는 {g.VECTOR}의 길이가 필요하다: --shape로 선언하거나 (y=3) "
        f"{g.TERM}을 풀어 적어라",
    "transposes and other vector and matrix operations need the shapes: declare them with --shape (x=3 for a "
    "vector, W=2x3 for a matrix)":
        f"{g.TRANSPOSE} 같은 {g.VECTOR}·{g.MATRIX} 연산에는 {g.SHAPE}이 필요하다: --shape로 선언하라 "
        f"({g.VECTOR}는 x=3, {g.MATRIX}은 W=2x3)",
    # --jacobian (derive.matrix.jacobian)
    "{name} is a {shape} matrix; the Jacobian is taken by a vector or a scalar (the Jacobian by a matrix has "
    "three indices)":
        f"{{name}}은(는) {{shape}} {g.MATRIX}이다; {g.JACOBIAN}은 {g.VECTOR}나 {g.SCALAR}에 대해 구한다 "
        f"({g.MATRIX}에 대한 {g.JACOBIAN}은 {g.INDEX}가 세 개다)",
    "{expression} is a {shape} matrix; the Jacobian is of a vector or a scalar":
        f"{{expression}}은(는) {{shape}} {g.MATRIX}이다; {g.JACOBIAN}은 {g.VECTOR}나 {g.SCALAR}의 것만 구한다",
    "the Jacobian through {expression} is not supported": f"{{expression}}을(를) 거치는 {g.JACOBIAN}은 지원하지 않는다",
    "{expression} depends on the variable and is not a transposed vector; its Jacobian has three indices":
        f"{{expression}}은(는) {g.VARIABLE}에 의존하는데 {g.TRANSPOSE}된 {g.VECTOR}가 아니다; 그 {g.JACOBIAN}은 "
        f"{g.INDEX}가 세 개다",
    # generated NumPy and numbers for matrices (derive.matrix.numpy_code, derive.matrix.numeric)
    "the argument {name} cannot be a Python name in a generated module (a name not starting with _, not a "
    "keyword, not {names})":
        "인자 {name}은(는) 생성된 모듈에서 Python 이름이 될 수 없다 (_로 시작하지 않고 키워드도 {names}도 "
        "아닌 이름이어야 한다)",
    "the function {name} cannot be a Python name in a generated module (a name not starting with _, not a "
    "keyword, not {names})":
        "함수 {name}은(는) 생성된 모듈에서 Python 이름이 될 수 없다 (_로 시작하지 않고 키워드도 {names}도 "
        "아닌 이름이어야 한다)",
    "the argument {name} has shape {shape}; expected the matrix form (rows, cols) of positive sizes":
        f"인자 {{name}}의 {g.SHAPE}이 {{shape}}이다; 양의 크기로 된 {g.MATRIX} 꼴 (rows, cols)이어야 한다",
    "{function} uses {name}, which is not among the arguments {names}": "{function}이(가) 인자 {names}에 없는 "
                                                                       "{name}을(를) 쓴다",
    "{function} uses {name} of shape {shape}, declared {declared}":
        f"{{function}}이(가) {g.SHAPE} {{shape}}인 {{name}}을(를) 쓰는데, 선언된 {g.SHAPE}은 {{declared}}다",
    "{function} has an open size {shape}": "{function}의 크기가 정해지지 않았다 {shape}",
    "{kind} of open size {shape}: its size was never fixed": "{kind} {shape}의 크기가 끝내 정해지지 않았다",
    "a generated module needs at least one function": "생성된 모듈에는 함수가 하나 이상 필요하다",
    "two functions named {name}": "이름이 {name}인 함수가 두 개다",
    "{name} has shape {shape}; expected {want} after any batch axes":
        f"{{name}}의 {g.SHAPE}이 {{shape}}이다; 배치 축 뒤에 {{want}}이(가) 와야 한다",
    "{name} has shape {shape}; expected the matrix form {want} after any batch axes":
        f"{{name}}의 {g.SHAPE}이 {{shape}}이다; 배치 축 뒤에 {g.MATRIX} 꼴 {{want}}이(가) 와야 한다",
    "an array of shape {shape} does not end in the matrix shape {want}":
        f"{g.SHAPE}이 {{shape}}인 배열이 {g.MATRIX} {g.SHAPE} {{want}}(으)로 끝나지 않는다",
    "{name} has an open size {shape}; give every dimension a number":
        "{name}의 크기가 정해지지 않았다 {shape}; 모든 차원에 수를 주어라",
    "no value for {name} (matrix shape {shape})": f"{{name}}의 값이 없다 ({g.MATRIX} {g.SHAPE} {{shape}})",
    "no value for {name}": "{name}의 값이 없다",
    "the batch axes of {name} {axes} do not broadcast with those before it {batch}":
        "{name}의 배치 축 {axes}이(가) 앞의 배치 축 {batch}와(과) 브로드캐스트되지 않는다",
    "found no point where {expression} is finite in {count} rounds of random draws":
        "무작위로 {count}번 뽑아도 {expression}이(가) 유한한 점을 찾지 못했다",
    "a finite-difference gradient needs a scalar; {expression} has shape {shape}":
        f"유한 차분 {g.GRADIENT}에는 {g.SCALAR}가 필요한데 {{expression}}의 {g.SHAPE}은 {{shape}}이다",
    "{name} has shape {shape}; finite differences take unbatched values of the matrix form {want}":
        f"{{name}}의 {g.SHAPE}이 {{shape}}이다; 유한 차분에는 배치 없는 {g.MATRIX} 꼴 {{want}}의 값이 필요하다",
    # matrix notation in derive equiv (derive.latex.adapter, derive.check.equiv)
    r"a norm \|...\| is never closed (its second bar is missing, or in another bracket)":
        rf"{g.NORM} \|...\|이 닫히지 않았다 (두 번째 막대가 없거나 다른 괄호 안에 있다)",
    r"unknown norm \|...\|_{{{subscript}}}: known are \|v\|, \|v\|_2, \|v\|_1 and \|M\|_F":
        r"알 수 없는 " + g.NORM + r" \|...\|_{{{subscript}}}: 아는 것은 \|v\|, \|v\|_2, \|v\|_1, \|M\|_F다",
    r"\operatorname{{tr}} needs a square matrix; {name} has shape {shape}":
        r"\operatorname{{tr}}에는 정사각 " + g.MATRIX + "이 필요하다; {name}의 " + g.SHAPE + "은 {shape}이다",
    "the shapes in the product {product} do not match: {a} has shape {a_shape} and {b} has shape {b_shape}":
        f"곱 {{product}}에서 {g.SHAPE}이 맞지 않는다: {{a}}의 {g.SHAPE}은 {{a_shape}}, {{b}}의 {g.SHAPE}은 "
        "{b_shape}이다",
    r"the length of \mathbf{{1}} in {product} is not fixed by the product; write the sum or the vector itself":
        r"{product}에서 \mathbf{{1}}의 길이가 곱으로 정해지지 않는다; " + g.SUM + "이나 " + g.VECTOR
        + " 자체를 적어라",
    r"\|M\|_{subscript} of the matrix {name} is not understood (an operator norm); write \|M\|_F for the "
    "Frobenius norm":
        f"{g.MATRIX} {{name}}의 " + r"\|M\|_{subscript}" + f"(연산자 {g.NORM})는 이해하지 못한다; 프로베니우스 "
        + g.NORM + r"은 \|M\|_F로 적어라",
    "a transpose is understood only on a symbol, not on {atom}":
        f"{g.TRANSPOSE}는 기호에만 쓸 수 있다 ({{atom}}에는 쓸 수 없다)",
    r"a transpose (^\top, ^T) is understood on a symbol or a bracket, as in W^\top x or (a - b)^\top x":
        rf"{g.TRANSPOSE}(^\top, ^T)는 기호나 괄호에만 쓸 수 있다 (W^\top x, (a - b)^\top x처럼)",
    r"a transpose (^\top, ^T) is understood only on a symbol, as in W^\top x":
        rf"{g.TRANSPOSE}(^\top, ^T)는 기호에만 쓸 수 있다 (W^\top x처럼)",
    "a transposed bracket is closed but never opened": f"{g.TRANSPOSE}된 괄호가 닫혔는데 열린 적이 없다",
    r"write the index of a sum: \sum_k or \sum_{{k=1}}^{{K}}":
        g.SUM + "의 " + g.INDEX + r"를 적어라: \sum_k 또는 \sum_{{k=1}}^{{K}}",
    r"no size is known for the sum over {index}; write \sum_{{{sub}=1}}^{{N}}":
        "{index}에 대한 " + g.SUM + r"의 크기를 알 수 없다; \sum_{{{sub}=1}}^{{N}}로 적어라",
    "expected a formula, found nothing to read": f"{g.FORMULA}이 필요한데 읽을 것이 없다",
    "infinity and undefined numbers are not allowed": "무한대와 정의되지 않은 수는 쓸 수 없다",
    "the index of a sum must be a single letter": f"{g.SUM}의 {g.INDEX}는 한 글자여야 한다",
    "unknown function {name} of {count} arguments": "인자가 {count}개인 알 수 없는 함수 {name}",
    "unknown function {name}": "알 수 없는 함수 {name}",
    "cannot read the name {name}": "이름 {name}을(를) 읽을 수 없다",
    r"each row of \begin{{cases}} needs 'value & condition'":
        r"\begin{{cases}}의 각 " + g.ROW + "에는 'value & condition'이 필요하다",
    r"\begin{{cases}} has no rows": r"\begin{{cases}}에 " + g.ROW + "이 없다",
    r"cannot read the condition {condition} (expected e.g. x > 0 or \text{{otherwise}})":
        r"조건 {condition}을(를) 읽을 수 없다 (예: x > 0 또는 \text{{otherwise}})",
    r"write a partial derivative as \frac{{\partial L}}{{\partial w}}":
        g.PARTIAL + r"은 \frac{{\partial L}}{{\partial w}}로 적어라",
    r"cannot read the partial derivative \partial {of} / \partial {wrt}":
        g.PARTIAL + r" \partial {of} / \partial {wrt}을(를) 읽을 수 없다",
    "write {head}(...) with its argument in parentheses": "{head}(...)는 인자를 괄호 안에 적어라",
    "{head}(...) needs at least two arguments": "{head}(...)에는 인자가 두 개 이상 필요하다",
    "{head} takes one argument, got {count}": "{head}은(는) 인자를 하나 받는데 {count}개가 주어졌다",
    "cannot read {text}: a subscript on a number (2_k) is not understood":
        "{text}를 읽을 수 없다: 수에 붙은 아래첨자(2_k)는 이해하지 못한다",
    "cannot read {text}: a product of things that are not expressions":
        f"{{text}}를 읽을 수 없다: {g.FORMULA}이 아닌 것들의 곱이다",
    r"norms (\|w\|) are not understood; for a scalar write |w| or w^2":
        rf"{g.NORM}(\|w\|)은 이해하지 못한다; {g.SCALAR}라면 |w|나 w^2로 적어라",
    r"unknown \operatorname; known: {names}": r"알 수 없는 \operatorname; 아는 것: {names}",
    r"only the cases environment is understood (\begin{{cases}} ... \end{{cases}})":
        r"환경은 cases만 이해한다 (\begin{{cases}} ... \end{{cases}})",
    r"\end without \begin{{cases}}": r"\begin{{cases}} 없이 \end가 있다",
    r"\mathsf is understood only in a transpose, W^{{\mathsf{{T}}}}":
        g.TRANSPOSE + r" 안에서만 \mathsf를 이해한다 (W^{{\mathsf{{T}}}})",
    "{name} is a name derive reserves for itself": "{name}은(는) derive가 스스로 쓰려고 남겨 둔 이름이다",
    "evaluation bars (|_{{x=1}}) are not understood": "값을 대입하는 막대(|_{{x=1}})는 이해하지 못한다",
    r"the index of a root must be a small whole number, as in \sqrt[3]{{x}}":
        r"거듭제곱근의 지수는 작은 정수여야 한다 (\sqrt[3]{{x}}처럼)",
    r"a subscript on a function (\tanh_k) is not understood": r"함수에 붙은 아래첨자(\tanh_k)는 이해하지 못한다",
    "reading the formula took too long (over {seconds} s)": f"{g.FORMULA}을 읽는 데 너무 오래 걸렸다 ({{seconds}}초 초과)",
    "a number in scientific notation is too large": "과학적 표기법으로 쓴 수가 너무 크다",
    # derive grad without --shape, on matrix notation (derive.cli.grad): the reader's message, then the hint
    "{message}; vectors and matrices need their shapes: declare them with --shape (x=3 for a vector, W=2x3 "
    "for a matrix)":
        f"{{message}}; {g.VECTOR}와 {g.MATRIX}에는 {g.SHAPE}이 필요하다: --shape로 선언하라 "
        f"({g.VECTOR}는 x=3, {g.MATRIX}은 W=2x3)",
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
    "a number or lists nested at most four deep (a kernel's four axes)": "수, 또는 네 겹까지 겹친 목록 (커널의 네 축)",
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
    # derive grad --shape: kinds, shapes and --at (derive.cli.grad_matrix)
    "scalar": g.SCALAR,
    "{name} (scalar)": f"{{name}} ({g.SCALAR})",
    "vector of {count}": f"길이 {{count}}인 {g.VECTOR}",
    "row of {count}": f"길이 {{count}}인 {g.ROW} {g.VECTOR}",
    "{rows}×{cols} matrix": f"{{rows}}×{{cols}} {g.MATRIX}",
    "a list of {count} numbers ({name} was declared with --shape {declared})":
        "수 {count}개의 목록 ({name}은(는) --shape {declared}로 선언되었다)",
    "{rows} lists of {count} numbers ({name} was declared with --shape {declared})":
        "수 {count}개짜리 목록 {rows}개 ({name}은(는) --shape {declared}로 선언되었다)",
    "shape {shape}": f"{g.SHAPE} {{shape}}",
    "finite numbers": "유한한 수",
    "a vector (declared with --shape {name}=N)": f"{g.VECTOR} (--shape {{name}}=N으로 선언)",
    # what the matrix reader expected, and its hints (derive.matrix.parse)
    "an operand": "피연산자",
    "an expression": g.FORMULA,
    "a name": "이름",
    "a LaTeX string": "LaTeX 문자열",
    "the argument of {mark}": "{mark}의 인자",
    "'{{' after {command}": "{command} 뒤의 '{{'",
    "'(' after {command}": "{command} 뒤의 '('",
    "a bracket after {command}": "{command} 뒤의 괄호",
    r"a name in braces after \operatorname": r"\operatorname 뒤 중괄호 안의 이름",
    "a name in {command}{{...}}": "{command}{{...}} 안의 이름",
    "one symbol in {command}{{...}}": "{command}{{...}} 안의 기호 하나",
    "an operand before {command}": "{command} 앞의 피연산자",
    "two different indices of a matrix, as in W_{{ij}}": f"{g.MATRIX}의 서로 다른 {g.INDEX} 두 개 (W_{{{{ij}}}}처럼)",
    "bracket": "괄호",
    "bar '|'": "막대 '|'",
    "norm": g.NORM,
    "write an expression, not an equation": f"등식이 아니라 {g.FORMULA}을 적어라",
    "primes are not understood": "프라임 기호는 이해하지 못한다",
    "a second superscript needs braces": "두 번째 위첨자에는 중괄호가 필요하다",
    "a second subscript needs braces": "두 번째 아래첨자에는 중괄호가 필요하다",
    "declare {name} with --shape if it is a name of its own": "{name}이(가) 하나의 이름이라면 --shape로 선언하라",
    r"the body of a \sum ends at the first + or -; put it in brackets":
        r"\sum의 본문은 첫 + 또는 -에서 끝난다; 본문을 괄호로 묶어라",
    r"\max is understood only as \max(0, x), the ReLU": r"\max는 ReLU인 \max(0, x)로만 이해한다",
}

#: Leading ``...:`` parts of a message that are words, not data (a file name stays as it is).
PREFIXES: dict[str, str] = {
    "too complex to decide": "너무 복잡해서 판정할 수 없다",
    "could not decide": "판정할 수 없다",
    "not valid YAML": "올바른 YAML이 아니다",
}

_FIELD = re.compile(r"^field '(?P<field>.*)'$", re.DOTALL)
#: Fields that are a position in the text ("at character {at}"): digits only, so that a template such as
#: ``"{message} at character {at}"`` cannot swallow what follows the number.
_POSITIONS = {"at"}
_DIGITS = r"\d+"


def _compile(template: str) -> tuple[re.Pattern, int]:
    """The template as an anchored regular expression, and how many literal characters it has."""
    parts, literal_count = [], 0
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        literal_count += len(literal)
        if field is not None:
            parts.append(f"(?P<{field}>{_DIGITS if field in _POSITIONS else '.+?'})")
    return re.compile("".join(parts), re.DOTALL), literal_count


@functools.cache
def _patterns(kind: str) -> tuple:
    table = SENTENCES if kind == "sentences" else PHRASES
    return tuple((*_compile(english), korean) for english, korean in table.items())


def _match(text: str, kind: str) -> tuple[int, str] | None:
    """(literal characters matched, the Korean) of the most specific template that matches all of ``text``;
    the count includes the literal characters of the fields translated in turn."""
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
    fields = {k: _field(v) for k, v in found.groupdict().items()}
    return (literal_count + sum(count for count, _ in fields.values()),
            korean.format(**{k: said for k, (_, said) in fields.items()}))


def _field(value: str) -> tuple[int, str]:
    """A field's value: a phrase or a sentence translated, anything else (data) as it is (counting 0)."""
    return _match(value, "phrases") or _sentence(value) or (0, value)


def _where(part: str) -> str:
    found = _FIELD.match(part)
    return f"필드 '{found['field']}'" if found else PREFIXES.get(part, part)


def _sentence(message: str) -> tuple[int, str] | None:
    """(literal characters matched, ``message`` in Korean): the most specific template that matches it
    whole, or after its leading ``where:`` parts (kept, but for ``field '...'``); None when none does.
    A sentence inside a field counts too, so ``"{message}; hint"`` is read where its message is a sentence."""
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
    return best


def translate(message: str, lang: str = "en") -> str:
    """``message`` (one of derive's English error lines) in ``lang``; as it is for English, and where no
    pattern of :data:`SENTENCES` matches."""
    if lang != "ko" or not message:
        return message
    found = _sentence(message)
    return found[1] if found else message


__all__ = ["PHRASES", "PREFIXES", "SENTENCES", "translate"]
