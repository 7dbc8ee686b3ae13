"""Hostile worked-example files for ``derive check``: every payload at every position of a file,
and the YAML tricks a file can play as a whole.

A payload is a YAML text put in place of one value of a good file (:data:`BASES`); its class
says what must come of it there:

* ``nonfinite`` (NaN, infinities, numbers that overflow): refused with the field named (exit 2),
  or, in an answer, reported and never judged ``correct``;
* ``bad`` (not a number: text, null, booleans, tags, code, trailing garbage...): refused, exit 2,
  one line naming the file and the field;
* ``any``: whatever the verdict, only the properties of every call (:func:`hostile.harness.judge`).

Each case runs ``derive check --json FILE``; the payloads for ``L`` also ``derive check FILE``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile.harness import assert_unusable, case, invoke, judge, warm_up


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """What the verbs import is imported before the first case, outside any case's CPU budget."""
    warm_up()


MARKER = "HOSTILE_WORKED_MARKER"

#: id -> (YAML text, class)
SCALARS = {
    # not finite
    "nan": (".nan", "nonfinite"), "NaN": (".NaN", "nonfinite"), "NAN": (".NAN", "nonfinite"),
    "inf": (".inf", "nonfinite"), "plus_inf": ("+.inf", "nonfinite"), "minus_inf": ("-.Inf", "nonfinite"),
    "1e999": ("1e999", "nonfinite"), "minus_1e999": ("-1e999", "nonfinite"),
    "huge_int": ("1" + "0" * 400, "nonfinite"),
    "nan_text": ('"nan"', "nonfinite"), "inf_text": ('"inf"', "nonfinite"), "Infinity": ("Infinity", "nonfinite"),
    "latex_infty": (r"'\infty'", "nonfinite"), "latex_minus_infty": (r"'-\infty'", "nonfinite"),
    "latex_zero_over_zero": (r"'\frac{0}{0}'", "nonfinite"), "latex_log_zero": (r"'\log 0'", "nonfinite"),
    "latex_infty_minus_infty": (r"'\infty - \infty'", "nonfinite"),
    "latex_zero_times_infty": (r"'0 \cdot \infty'", "nonfinite"),
    "latex_exp_overflow": ("'e^{1000}'", "nonfinite"), "latex_ten_to_400": ("'10^{400}'", "nonfinite"),
    "latex_text_nan": (r"'\text{nan}'", "nonfinite"),
    # not a number
    "null": ("null", "bad"), "tilde": ("~", "bad"), "nothing": ("", "bad"),
    "true": ("true", "bad"), "yes": ("yes", "bad"), "off": ("off", "bad"),
    "word": ("hello", "bad"), "quoted_word": ('"hello"', "bad"),
    "mapping": ("{a: 1}", "bad"), "nested_list": ("[[[1]]]", "bad"),
    "hex": ("0x1F", "bad"), "octal": ("0o17", "bad"), "binary_int": ("0b101", "bad"),
    "sexagesimal": ("1:30", "bad"), "date": ("2024-01-01", "bad"), "timestamp": ("2001-12-14t21:59:43.10-05:00", "bad"),
    "tag_binary": ("!!binary aGVsbG8=", "bad"),
    "tag_python_apply": (f"!!python/object/apply:os.system [touch {MARKER}]", "bad"),
    "tag_python_name": ("!!python/name:os.system", "bad"), "tag_local": ("!evil 1.0", "bad"),
    "tag_set": ("!!set {a, b}", "bad"), "tag_str_number": ("!!str 0.5", "any"), "tag_float": ("!!float 0.5", "any"),
    "python_injection": (f"\"__import__('pathlib').Path('{MARKER}').touch()\"", "bad"),
    "shell_variable": ('"${HOME}"', "bad"), "shell_command": (f'"$(touch {MARKER})"', "bad"),
    "backticks": (f'"`touch {MARKER}`"', "bad"), "template": ("'{{7*7}}'", "bad"), "format": ("'%s%s%n'", "bad"),
    "latex_input": (r"'\input{/etc/passwd}'", "bad"), "latex_write18": (r"'\write18{touch " + MARKER + "}'", "bad"),
    "latex_def": (r"'\def\x{1} \x'", "bad"), "latex_newcommand": (r"'\newcommand{\x}{1} \x'", "bad"),
    "latex_catcode": (r"'\catcode`\@=11 1'", "bad"), "latex_variable": (r"'\hat{y}_1'", "bad"),
    "trailing_dot": ("'0.417 . + 100'", "bad"), "trailing_comma": ("'0.417 , 5'", "bad"),
    "trailing_semicolon": ("'0.417 ; 5'", "bad"), "trailing_unknown": (r"'0.417 \foo'", "bad"),
    "trailing_bracket": ("'0.417 ]'", "bad"), "trailing_equals": ("'0.417 = 3'", "bad"),
    "nul_character": ('"0.5\\0"', "bad"), "bell_character": ('"0.5\\a"', "bad"),
    "right_to_left": ('"\\u202e0.5"', "bad"), "zero_width": ('"0.5\\u200b"', "bad"),
    "fullwidth_digit": ('"\\uff10.5"', "any"), "arabic_digit": ('"\\u0660.5"', "any"),  # digits, in Unicode
    "long_text": ('"' + "9" * 20_000 + '"', "bad"), "long_latex": ("'" + " + ".join(["1"] * 5000) + "'", "bad"),
    "latex_tower": ("'2^{2^{2^{100}}}'", "bad"), "latex_deep": ("'" + "(" * 500 + "1" + ")" * 500 + "'", "bad"),
    # numbers, odd but numbers
    "half": ("0.5", "any"), "minus_zero": ("-0", "any"), "plus_point_five": ("+.5", "any"), "one_point": ("1.", "any"),
    "underscores": ("1_000", "any"), "underflow": ("1e-400", "any"), "quoted_latex_half": (r"'\frac{1}{2}'", "any"),
    "big_exponent": ("1e300", "any"),
}

#: The vector positions get these as well: lists of the wrong length, ragged, with NaN inside.
LISTS = {
    "empty_list": ("[]", "bad"), "short_list": ("[0.5]", "bad"), "long_list": ("[0.1, 0.2, 0.3, 0.4, 0.5]", "bad"),
    "matrix": ("[[0.1, 0.2, 0.3]]", "bad"), "ragged": ("[0.1, [0.2], 0.3]", "bad"),
    "nan_inside": ("[0.1, .nan, 0.3]", "nonfinite"), "inf_inside": ("[0.1, 0.2, -.inf]", "nonfinite"),
    "null_inside": ("[0.1, null, 0.3]", "bad"), "text_inside": ("[0.1, two, 0.3]", "bad"),
    "huge_list": ("[" + ", ".join(["0.5"] * 20_000) + "]", "bad"),
}

SOFTMAX = """rule: softmax_ce
title: {title}
inputs:
  o: {o}
  y: {y}
answers:
  y_hat: {y_hat}
  L: {L}
  "dL/do": {dL_do}
tolerance: {{abs: {abs}}}
"""
SOFTMAX_GOOD = {"title": "three classes", "o": "[2.0, 1.0, 0.1]", "y": "[1, 0, 0]", "y_hat": "[0.66, 0.24, 0.10]",
                "L": "0.417", "dL_do": "[-0.34, 0.24, 0.10]", "abs": "0.01"}
SIGMOID = """rule: sigmoid_bce
inputs:
  s: {s}
  y: {y}
answers:
  y_hat: 0.731
  L: {L}
"""
SIGMOID_GOOD = {"s": "1.0", "y": "1", "L": "0.313"}
LSTM = (Path(__file__).resolve().parents[1] / "worked_examples" / "lstm_step_lecture.yaml").read_text()
LSTM_W_F = "[[0.1, 0.2, 0.3, 0.1, 0.2], [0.2, 0.1, 0.1, 0.3, 0.1]]"
LSTM_DW_F = "[[-0.0022, 0.0043, -0.0216, 0.0, -0.0216], [-0.0019, 0.0038, -0.0189, 0.0, -0.0189]]"
#: Matrices for W_f (2 x 5) and its gradient: id -> (YAML, class)
MATRICES = {
    "transposed": ("[[0.1, 0.2], [0.2, 0.1], [0.3, 0.1], [0.1, 0.3], [0.2, 0.1]]", "bad"),
    "one_column_short": ("[[0.1, 0.2, 0.3, 0.1], [0.2, 0.1, 0.1, 0.3]]", "bad"),
    "ragged_rows": ("[[0.1, 0.2, 0.3, 0.1, 0.2], [0.2, 0.1]]", "bad"),
    "flat": ("[0.1, 0.2, 0.3, 0.1, 0.2, 0.2, 0.1, 0.1, 0.3, 0.1]", "bad"),
    "three_deep": ("[[[0.1, 0.2, 0.3, 0.1, 0.2]], [[0.2, 0.1, 0.1, 0.3, 0.1]]]", "bad"),
    "empty_rows": ("[[], []]", "bad"), "empty": ("[]", "bad"), "scalar": ("0.1", "bad"),
    "nan_inside": ("[[0.1, .nan, 0.3, 0.1, 0.2], [0.2, 0.1, 0.1, 0.3, 0.1]]", "nonfinite"),
    "inf_inside": ("[[0.1, 0.2, 0.3, 0.1, 0.2], [0.2, 0.1, 0.1, 0.3, -.inf]]", "nonfinite"),
    "text_inside": ("[[0.1, 0.2, 0.3, 0.1, 0.2], [0.2, 0.1, one, 0.3, 0.1]]", "bad"),
    "null_row": ("[[0.1, 0.2, 0.3, 0.1, 0.2], null]", "bad"),
    "mapping_row": ("[[0.1, 0.2, 0.3, 0.1, 0.2], {a: 1}]", "bad"),
    "huge_values": ("[[1e308, 1e308, 1e308, 1e308, 1e308], [1e308, 1e308, 1e308, 1e308, 1e308]]", "any"),
    "alias_rows": ("[&r [0.1, 0.2, 0.3, 0.1, 0.2], *r]", "bad"),
}

#: position id -> (template, the good values, the slot, a vector position?, the field the message names)
POSITIONS = {
    "inputs.o": (SOFTMAX, SOFTMAX_GOOD, "o", True, "inputs"),  # the size K is read from o: y may be named
    "inputs.o[1]": (SOFTMAX, SOFTMAX_GOOD, "o", False, "inputs.o"),
    "inputs.y[0]": (SOFTMAX, SOFTMAX_GOOD, "y", False, "inputs.y"),
    "answers.L": (SOFTMAX, SOFTMAX_GOOD, "L", False, "answers.L"),
    "answers.y_hat": (SOFTMAX, SOFTMAX_GOOD, "y_hat", True, "answers.y_hat"),
    "answers.dL/do[2]": (SOFTMAX, SOFTMAX_GOOD, "dL_do", False, "answers.dL/do"),
    "tolerance.abs": (SOFTMAX, SOFTMAX_GOOD, "abs", False, "tolerance"),
    "title": (SOFTMAX, SOFTMAX_GOOD, "title", False, "title"),
    "sigmoid.inputs.s": (SIGMOID, SIGMOID_GOOD, "s", False, "inputs.s"),
    "sigmoid.inputs.y": (SIGMOID, SIGMOID_GOOD, "y", False, "inputs.y"),
}


def _document(position: str, payload: str) -> str:
    template, good, slot, vector, _ = POSITIONS[position]
    values = dict(good)
    if position.endswith("]"):  # one element of a list
        index = int(position[position.rindex("[") + 1:-1])
        items = good[slot].strip("[]").split(", ")
        items[index] = payload
        values[slot] = "[" + ", ".join(items) + "]"
    else:
        values[slot] = payload
    return template.format(**values)


def _expectation(position: str, payload_class: str) -> str:
    if position == "title":
        return "any"
    if position == "tolerance.abs" and payload_class == "nonfinite":
        return "bad"  # an infinite tolerance would make every answer correct
    if position.startswith(("inputs", "sigmoid.inputs")) and payload_class == "nonfinite":
        return "bad"
    if POSITIONS[position][3] and payload_class == "any":
        return "bad"  # a number where a list belongs
    return payload_class


def _cases():
    params = []
    for position, (_, _, _, vector, _) in POSITIONS.items():
        payloads = dict(SCALARS, **(LISTS if vector else {}))
        if position == "title":  # any text is a title: a sample is enough
            payloads = {k: v for k, v in payloads.items() if v[1] != "any" and "latex" not in k}
        for payload_id, (text, payload_class) in payloads.items():
            for mode in ("text", "json") if position == "answers.L" else ("json",):
                case_id = f"{position}={payload_id}-{mode}"
                params.append(case(case_id, position, text, _expectation(position, payload_class), mode))
    return params


CASES = _cases()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("worked")


@pytest.mark.parametrize("position, payload, expectation, mode", CASES)
def test_payload_in_a_worked_file(folder, capsys, position, payload, expectation, mode, request):
    path = folder / f"{abs(hash(request.node.name))}.yaml"
    path.write_text(_document(position, payload), encoding="utf-8")
    args = ["check", "--json", path] if mode == "json" else ["check", path]
    outcome = judge(invoke(capsys, *args))
    field = POSITIONS[position][4]
    if expectation == "bad":
        _refused(outcome, path, field)
    elif expectation == "nonfinite":
        if outcome.code == 2:
            _refused(outcome, path, field)
        else:  # reported: never judged correct
            assert outcome.code == 1, f"a non-finite answer passed\n{outcome}"
            if mode == "json":
                steps = outcome.json()["reports"][0]["steps"]
                judged = [s for s in steps if s["name"] == field.split(".", 1)[1]]
                assert judged and all(s["status"] != "correct" for s in judged), outcome
    elif outcome.code == 2:
        assert str(path) in outcome.message, outcome
    assert not Path(MARKER).exists(), "a payload ran code"


# -- the file as a whole ---------------------------------------------------------------------------------
GOOD = SOFTMAX.format(**SOFTMAX_GOOD)
BODY = GOOD.split("\n", 1)[1]  # without the rule line


def _bomb(levels: int, width: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['1'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


#: id -> (content, words the one line must hold besides the path; None: any verdict)
DOCUMENTS = {
    "empty": ("", ["empty"]),
    "only_comment": ("# nothing\n", ["empty"]),
    "only_document_marker": ("---\n", []),
    "only_end_marker": ("...\n", []),
    "null_document": ("null\n", []),
    "number_document": ("42\n", ["mapping"]),
    "string_document": ('"rule: softmax_ce"\n', ["mapping"]),
    "list_document": ("- " + GOOD.replace("\n", "\n  "), ["mapping"]),
    "two_documents": (GOOD + "---\n" + GOOD, []),
    "end_marker_then_garbage": (GOOD + "...\ngarbage: [\n", []),
    "yaml_directive": ("%YAML 1.1\n---\n" + GOOD, None),
    "tag_directive": ("%TAG !e! tag:evil.com,2024:\n---\n" + GOOD.replace("inputs:", "inputs: !e!x"), []),
    "bom": ("\ufeff" + GOOD, None),
    "crlf": (GOOD.replace("\n", "\r\n"), None),
    "cr_only": (GOOD.replace("\n", "\r"), None),
    "tabs": (GOOD.replace("  o:", "\to:"), []),
    "next_line_character": (GOOD.replace("\n", "\x85"), None),
    "line_separator": (GOOD.replace("\n", "\u2028"), None),
    "json_flow": ('{"rule": "softmax_ce", "inputs": {"o": [2.0, 1.0, 0.1], "y": [1, 0, 0]}, "answers": {"L": 0.417}}\n',
                  None),
    "duplicate_rule": ("rule: softmax_ce\n" + GOOD, ["rule"]),
    "duplicate_input": (GOOD.replace("  y: [1, 0, 0]", "  y: [1, 0, 0]\n  o: [0.0, 0.0, 0.0]"), ["inputs"]),
    "duplicate_answer": (GOOD.replace("  L: 0.417", "  L: 0.417\n  L: 0.5"), ["answers"]),
    "duplicate_quoted_and_plain": (GOOD.replace('  "dL/do":', '  dL/do: [0, 0, 0]\n  "dL/do":'), ["answers"]),
    "duplicate_tolerance": (GOOD + "tolerance: {abs: 1}\n", ["tolerance"]),
    "duplicate_in_flow_mapping": (GOOD.replace("{abs: 0.01}", "{abs: 0.01, abs: 100}"), ["tolerance"]),
    "anchor_and_alias": (GOOD.replace("o: [2.0, 1.0, 0.1]", "o: &v [2.0, 1.0, 0.1]") + "title2: *v\n", ["alias"]),
    "alias_to_nothing": (GOOD.replace("L: 0.417", "L: *nothing"), []),
    "recursive_alias": ("a: &a [*a]\n" + BODY, []),
    "billion_laughs": (_bomb(10, 9), ["alias"]),
    "wide_bomb": (_bomb(3, 200), ["alias"]),
    "merge_key": ("base: &b {o: [2.0, 1.0, 0.1]}\n" + GOOD.replace("inputs:", "inputs:\n  <<: *b"), []),
    "merge_key_inline": (GOOD.replace("  L: 0.417", "  <<: {L: 0.417}"), ["merge"]),
    "complex_key": (GOOD.replace("  L: 0.417", "  ? [L]\n  : 0.417"), ["answers"]),
    "integer_key": (GOOD.replace("  L: 0.417", "  1: 0.417"), ["answers"]),
    "null_key": (GOOD.replace("  L: 0.417", "  null: 0.417"), ["answers"]),
    "boolean_key": (GOOD.replace("  L: 0.417", "  yes: 0.417"), ["answers"]),
    "top_level_integer_key": ("1: 2\n" + GOOD, None),  # fields derive does not know are left alone
    "unknown_top_level_field": (GOOD + "extra: 1\n", None),
    "python_tag_top": ("!!python/object/apply:os.system [touch " + MARKER + "]\n", []),
    "python_new_tag": (GOOD.replace("inputs:", "inputs: !!python/object/new:dict"), ["inputs"]),
    "omap_inputs": (GOOD.replace("inputs:", "inputs: !!omap").replace("  o:", "  - o:").replace("  y:", "  - y:"),
                    ["inputs"]),
    "set_answers": ("rule: softmax_ce\ninputs: {o: [2.0, 1.0, 0.1], y: [1, 0, 0]}\nanswers: !!set {L}\n", ["answers"]),
    "binary_input": (GOOD.replace("o: [2.0, 1.0, 0.1]", "o: !!binary AAAA"), ["inputs"]),
    "nul_byte": (GOOD.replace("three classes", "three\x00classes").encode(), []),
    "not_utf8": (GOOD.encode().replace(b"three", b"thr\xffee"), ["UTF-8"]),
    "utf16": (GOOD.encode("utf-16"), []),
    "latin1_title": (GOOD.replace("three classes", "caf\xe9").encode("latin-1"), ["UTF-8"]),
    "random_bytes": (bytes(range(256)) * 64, []),
    "elf_header": (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, []),
    "gzip": (b"\x1f\x8b\x08\x00" + b"\x00" * 100, []),
    # PyYAML may stop these itself (its words change between releases): only the path is required
    "nested_lists_1000": ("rule: softmax_ce\ninputs: " + "[" * 1000 + "]" * 1000 + "\n", []),
    "nested_maps_1000": ("rule: softmax_ce\ninputs: " + "{a: " * 1000 + "1" + "}" * 1000 + "\n", []),
    "nested_block_100": ("rule: softmax_ce\ninputs:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)), []),
    "ten_megabytes": (GOOD + "# " + "x" * 10_000_000 + "\n", ["too large"]),
    "long_line": (GOOD.replace("three classes", "x" * 900_000), None),
    "many_keys": (GOOD + "".join(f"k{i}: {i}\n" for i in range(20_000)), None),
    "many_numbers": (GOOD.replace("[2.0, 1.0, 0.1]", "[" + ", ".join(["0.5"] * 50_000) + "]"), ["inputs"]),
    "huge_key": (GOOD.replace("  L: 0.417", "  " + "L" * 100_000 + ": 0.417"), []),
    "unclosed_flow": ("rule: [softmax_ce\n", []),
    "unclosed_quote": ('rule: "softmax_ce\n', []),
    "bad_indentation": (GOOD.replace("  y:", " y:"), []),
    "control_character": (GOOD.replace("three", "thr\x07ee"), []),
    "surrogate_escape": (GOOD.replace("title: three classes", 'title: "\\ud800"'), None),
}


@pytest.mark.parametrize("content, words", [case(f"document-{name}", *v) for name, v in DOCUMENTS.items()])
def test_document(folder, capsys, content, words, request):
    path = folder / f"document_{abs(hash(request.node.name))}.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    outcome = judge(invoke(capsys, "check", "--json", path))
    if words is not None:
        assert_unusable(outcome, str(path), *words)
    elif outcome.code == 2:
        assert str(path) in outcome.message, outcome
    assert not Path(MARKER).exists(), "a payload ran code"


def _refused(outcome, path, field):
    """Exit 2 naming the file and the field, or the line and column where the YAML stops being YAML."""
    message = assert_unusable(outcome, str(path))
    if "not valid YAML" not in message or "line" not in message:
        assert f"field '{field}" in message, f"the message does not name the field {field}\n{outcome}"


@pytest.mark.parametrize("field, payload, expectation", [
    case(f"lstm.{field}={name}", field, text, "bad" if field == "inputs.W_f" and cls == "nonfinite" else cls)
    for field in ("inputs.W_f", "answers.dL/dW_f") for name, (text, cls) in MATRICES.items()])
def test_matrix_in_an_lstm_file(folder, capsys, field, payload, expectation, request):
    good = LSTM_W_F if field == "inputs.W_f" else LSTM_DW_F
    path = folder / f"lstm_{abs(hash(request.node.name))}.yaml"
    path.write_text(LSTM.replace(good, payload, 1))
    outcome = judge(invoke(capsys, "check", "--json", path))
    if expectation == "bad" or (expectation == "nonfinite" and outcome.code == 2):
        _refused(outcome, path, field.split(".")[0] if "alias" in request.node.name else field)
    elif expectation == "nonfinite":
        assert outcome.code == 1, outcome
        steps = [st for st in outcome.json()["reports"][0]["steps"] if st["name"] == "dL/dW_f"]
        assert steps and steps[0]["status"] != "correct", outcome


def test_good_files_are_good(folder, capsys):
    """The templates themselves pass, so that each payload is what a case changes."""
    files = {"softmax": SOFTMAX.format(**SOFTMAX_GOOD), "sigmoid": SIGMOID.format(**SIGMOID_GOOD), "lstm": LSTM}
    for name, text in files.items():
        path = folder / f"good_{name}.yaml"
        path.write_text(text)
        outcome = judge(invoke(capsys, "check", "--json", path))
        assert outcome.code == 0, outcome
