"""The tutorial notebook runs top to bottom (without Jupyter) and displays what it promises;
the progress line is written to a terminal and nowhere else."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path

from derive.progress import progress

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
HANGUL = re.compile("[\uac00-\ud7a3]")


def _cells(kind: str) -> list[str]:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == kind]


def _display(value) -> str:
    """What Jupyter would show for a cell's value: its richest representation."""
    for method in ("_repr_html_", "_repr_markdown_"):
        if hasattr(value, method):
            return getattr(value, method)()
    return repr(value)


def test_notebook_is_clean_and_bilingual():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    markdown = _cells("markdown")
    assert all(HANGUL.search(text) for text in markdown), "every Markdown cell has a Korean part"
    assert "repository root" in markdown[0]


def test_notebook_runs_top_to_bottom(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    shown = {}
    for number, source in enumerate(_cells("code")):
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        if last is not None:
            tree.body.pop()
        exec(compile(tree, f"<cell {number}>", "exec"), namespace)  # noqa: S102 - the notebook's own cells
        if last is not None:
            value = eval(compile(ast.Expression(last.value), f"<cell {number}>", "eval"), namespace)
            shown[ast.unparse(last.value)] = (value, _display(value))

    def display_of(prefix: str):
        (key,) = [key for key in shown if key == prefix or key.startswith(prefix + "(")]
        return shown[key]

    _, derivation = display_of("derive.show")
    assert "$$" in derivation and "softmax" in derivation.lower()
    report, table = display_of("report")
    assert not report.ok and "<table" in table and "wrong" in table
    equivalence, _ = display_of("derive.equiv")
    assert equivalence
    _, gradient = display_of("g")
    assert "$$" in gradient
    value, _ = display_of("g.value")
    assert value.tolist() == [[12, 24, 36], [10, 20, 30]]
    agrees, _ = display_of("np.allclose")
    assert agrees


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal(monkeypatch):
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    stream = Terminal()
    assert list(progress(iter("abc"), 3, "docs", stream=stream)) == ["a", "b", "c"]
    written = stream.getvalue()
    assert "\rdocs: 0/3" in written and "\rdocs: 3/3" in written
    assert written.endswith("\r") and written.rstrip("\r").endswith(" ")  # the line is cleared


def test_progress_quiet_off_a_terminal_or_when_asked(monkeypatch):
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    stream = io.StringIO()
    assert list(progress(range(3), 3, "docs", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""
    monkeypatch.setenv("DERIVE_QUIET", "1")
    terminal = Terminal()
    assert list(progress(range(3), 3, "docs", stream=terminal)) == [0, 1, 2]
    assert terminal.getvalue() == ""


def test_progress_defaults_to_standard_error(monkeypatch, capsys):
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    assert list(progress([1, 2], label="docs")) == [1, 2]  # captured stderr is not a terminal
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_clears_when_the_loop_stops_early(monkeypatch):
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    stream = Terminal()
    with progress(range(5), 5, "docs", stream=stream) as bar:
        for item in bar:
            if item == 1:
                break
    assert stream.getvalue().endswith("\r")
