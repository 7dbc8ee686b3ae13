r"""derive from Python: your own network in a notebook, on the command line's machinery.

::

    import derive

    net = derive.model({"layers": [{"name": "h", "units": 2, "activation": "sigmoid"},
                                   {"name": "o", "units": 2, "activation": "sigmoid"}],
                        "loss": {"kind": "squared_error", "half": True}, "update": True})
    net.derivation().prove()                # Jupyter: every step as KaTeX, with its proof
    net.check(inputs={"x": [0.05, 0.10], ...}, answers={"L": 0.298371109})   # a coloured table
    net.numpy()(x=X, y=Y, W_h=W_h, ...)     # the generated batched NumPy function

``derive.show(rule_or_model)``, ``derive.check(path)``, ``derive.rules()``, ``derive.grad(latex, wrt)``
and ``derive.equiv(rule, quantity, latex)`` are the verbs ``show``, ``check``, ``list``, ``grad`` and
``equiv`` as functions.

How it works
------------
``derive check`` reads a file into dicts, lists and :class:`~derive.check.worked.Scalar`
objects that keep each number's text as written (:func:`derive.check.worked.read_yaml`).
:func:`file_node` turns Python values into the same structures, so that :meth:`Model.check`
is ``derive check`` on a file that was never written: the rule and its NumPy module come
from :mod:`derive.model.files`, the answers are read, judged and explained by
:mod:`derive.check`, and the report is the same :class:`~derive.check.report.FileReport`
(its JSON is the report of ``derive check --json``).

A number is judged by the precision it is written with, so a Python value is written
first: a float as ``repr(x)`` (``0.75`` means 0.75 ± 0.005, ``0.1 + 0.2`` means
0.30000000000000004 to 17 digits), an int as an exact number, a string as it is: ``"0.750"``
keeps the student's three decimals, and a string that is not a plain number is a LaTeX
formula (``"-\\log 0.54"``), as a quoted answer in a file. ``tolerance=1e-3`` (or
``{"abs": a, "rel": r}``) replaces the written precision, as a file's ``tolerance:``.

``derive.model``, ``derive.check`` and ``derive.rules`` are also the names of subpackages;
``derive/__init__.py`` makes those packages callable (a call goes to the function of the
same name here), so that ``derive.model(spec)`` and ``derive.model.spec`` both work.
"""

from __future__ import annotations

import decimal
import html
import keyword
import os
from pathlib import Path

from derive.check import check_paths
from derive.check.judge import first_error, judge
from derive.check.report import FileReport, format_report, stacked
from derive.check.slips import explain
from derive.check.worked import Scalar, read_yaml
from derive.errors import InputError
from derive.model import files as model_files
from derive.model.spec import MAX_UNITS, as_dict
from derive.model.spec import Model as Spec
from derive.paths import user_path
from derive.printing.i18n import LANGUAGES

_TAG = "tag:yaml.org,2002:"
#: The colour of each verdict in the HTML table (GitHub's green, amber and red).
COLOURS = {"correct": "#1a7f37", "carried": "#9a6700", "wrong": "#cf222e"}
#: The formats of ``derive show --format``.
FORMATS = ("text", "latex", "markdown")
#: Columns of a vector or matrix cell in the HTML and Markdown tables before it wraps.
CELL_WIDTH = 60


# -- Python values as a file reads ----------------------------------------------------------------

def file_node(value, field: str, where: str | None = None):
    """``value`` as :func:`~derive.check.worked.read_yaml` reads a file: dicts, lists and Scalars.

    A float is written as ``repr(x)``, an int as ``str(n)``, a :class:`decimal.Decimal` as
    ``str(d)``, a string kept as it is (a quoted scalar: a number, or a LaTeX formula);
    NumPy arrays and numbers become lists and Python numbers first.
    """
    if isinstance(value, Scalar):
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"expected names (strings) as keys, got {key!r}", path=where, field=field)
            out[key] = file_node(item, f"{field}.{key}", where)
        return out
    if isinstance(value, (list, tuple)):
        return [file_node(item, f"{field}[{i}]", where) for i, item in enumerate(value)]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # a NumPy array or number
        return file_node(value.tolist(), field, where)
    if isinstance(value, bool):
        return Scalar("true" if value else "false", False, _TAG + "bool")
    if isinstance(value, int):
        return Scalar(str(value), False, _TAG + "int")
    if isinstance(value, float):
        return Scalar(repr(value), False, _TAG + "float")
    if isinstance(value, decimal.Decimal):
        return Scalar(str(value), False, _TAG + "float")
    if isinstance(value, str):
        return Scalar(value, True, _TAG + "str")
    if value is None:
        return Scalar("null", False, _TAG + "null")
    raise InputError(f"expected numbers, lists of numbers or text, got {type(value).__name__!r}",
                     path=where, field=field)


def _plain(value):
    """A model spec with tuples as lists and NumPy numbers as Python ones (what read_model reads)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        return value.tolist()
    return value


# -- your own network -------------------------------------------------------------------------------

class Model:
    """A network of your own (``derive.model(spec)``): its rule, derivation, checker and NumPy code.

    ``spec`` is what a model file holds under ``model:`` (a dict of layers, loss, penalty,
    update), a :class:`derive.model.spec.Model`, or the path of a model file (then the name is
    the file's, and the title, conventions and input width are the file's unless given).
    ``input_size`` is the width of x for :attr:`rule` and :meth:`derivation` (default 2, or the
    file's x); :meth:`check` and :meth:`evaluate` take it from the ``x`` they are given.
    ``conventions={"l2": "half"}`` is a file's ``conventions:`` (the L2 penalty (λ/2) Σ W²).
    Anything unusable is an :class:`~derive.errors.InputError` naming the field.
    """

    def __init__(self, spec, *, name: str | None = None, title: str | None = None,
                 input_size: int | None = None, conventions: dict | None = None):
        self.path: str | None = None
        file_top: dict = {}
        if isinstance(spec, (str, os.PathLike)):
            self.path, file_top = _model_file(spec)
            where = self.path
            own = model_files.rule_name(where)
            if name is not None and name != own:
                raise InputError(f"a model file's rule is named after the file ({own}); leave name out",
                                 path=where, field="name")
            name, node = own, file_top["model"]
        else:
            name = "model" if name is None else name
            if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
                    or model_files.rule_name(name) != name:
                raise InputError(f"expected a lower-case Python name such as my_net, got {name!r}", field="name")
            where = name
            node = as_dict(spec) if isinstance(spec, Spec) else _plain(spec)
        self.name, self._where, self._node = name, where, node
        if title is None:
            title = getattr(file_top.get("title"), "text", None) or ""
        if not isinstance(title, str):
            raise InputError(f"expected a text, got {title!r}", path=self.path, field="title")
        self.title = title
        if conventions is None:
            self._conventions = file_top.get("conventions")
        else:
            self._conventions = file_node(conventions, "conventions", where)
        #: The model as read: :class:`derive.model.spec.Model` (layers, loss, penalty, update).
        self.spec = model_files.model_of({"model": node}, where)
        declared = {} if self._conventions is None else {"conventions": self._conventions}
        #: The declared conventions, {key: value}: only ``l2`` applies to a model.
        self.conventions = model_files.conventions_of(declared, self.spec, where)
        if input_size is None:  # the file's x, else 2
            given = file_top.get("inputs")
            has_x = isinstance(given, dict) and "x" in given
            input_size = model_files.input_size(file_top, self.spec, where) if has_x else 2
        if isinstance(input_size, bool) or not isinstance(input_size, int) or not 1 <= input_size <= MAX_UNITS:
            raise InputError(f"expected the width of x, a whole number from 1 to {MAX_UNITS}, got {input_size!r}",
                             path=self.path, field="input_size")
        self.input_size = input_size
        self._source: str | None = None

    def __repr__(self) -> str:
        spec = as_dict(self.spec)
        layers = ", ".join(f"{layer['name']}: {layer['units']} {layer['activation']}" for layer in spec["layers"])
        extras = "".join(f", {key}={spec[key]!r}" for key in ("penalty", "update", "recurrent") if key in spec)
        return f"<derive.Model {self.name}: layers [{layers}], loss {spec['loss']['kind']}{extras}>"

    # -- the file this model would be ------------------------------------------------------------

    def _top(self, inputs=None, answers=None, tolerance=None) -> dict:
        """The top level of the worked file with these inputs and answers, as read_yaml returns it."""
        top = {"model": self._node}
        if self.title:
            top["title"] = Scalar(self.title, True, _TAG + "str")
        if self._conventions is not None:
            top["conventions"] = self._conventions
        if inputs is None:
            top["inputs"] = {"x": self._placeholder_x()}
        else:
            if not isinstance(inputs, dict):
                raise InputError("expected a mapping of input names to numbers, such as {'x': [0.05, 0.1], ...}",
                                 path=self._where, field="inputs")
            top["inputs"] = file_node(inputs, "inputs", self._where)
        if answers is not None:
            if not isinstance(answers, dict):
                raise InputError("expected a mapping of quantity names to your numbers, such as {'L': 0.2984}",
                                 path=self._where, field="answers")
            top["answers"] = file_node(answers, "answers", self._where)
        if tolerance is not None:
            if isinstance(tolerance, (int, float)) and not isinstance(tolerance, bool):
                tolerance = {"abs": tolerance}
            top["tolerance"] = file_node(tolerance, "tolerance", self._where)
        return top

    def _placeholder_x(self) -> list:
        """An x of the model's input width (its values unused): what sizes the rule."""
        row = [Scalar("0", False, _TAG + "int")] * self.input_size
        recurrent = self.spec.recurrent
        return [list(row) for _ in range(recurrent.steps)] if recurrent is not None else row

    # -- the rule, its derivation and its NumPy code ---------------------------------------------

    @property
    def rule(self):
        """The model's :class:`~derive.engine.rule.Rule` at ``input_size`` (built once; needs SymPy)."""
        return model_files.model_rule(self._top(), self._where)

    def derivation(self, lang: str = "en", *, prove: bool = False) -> Derivation:
        """The step-by-step derivation (``derive show FILE``); ``prove=True`` proves every step first."""
        derivation = Derivation(self.rule, lang)
        return derivation.prove() if prove else derivation

    def numpy(self):
        """The generated batched NumPy function: inputs as keyword arrays with a leading batch axis,
        a dict of every quantity returned (as the functions of ``derive.numpy``)."""
        return getattr(model_files.numeric_module(self._top(), self._where), self.name)

    def source(self) -> str:
        """The generated module's source: what ``derive emit`` writes for the model."""
        if self._source is None:
            from derive.codegen.generate import module_source

            self._source = module_source(self.rule)
        return self._source

    def evaluate(self, **inputs) -> dict:
        """Every quantity at one point, exactly as the checker computes it: {name: value}.

        Inputs are unbatched (x a list of D numbers, W_h a list of rows...), checked against the
        rule's domains; an input with a default (``lam``) may be left out. A number comes back
        as a float, a vector or a matrix as a NumPy array.
        """
        from derive.check.worked import _inputs, numeric_view

        top = self._top(inputs=inputs)
        rule = numeric_view(self.name, model_files.numeric_module(top, self._where))
        exact = rule.evaluate(_inputs(rule, top["inputs"], self._where))
        return {name: float(exact[name]) if exact[name].ndim == 0 else exact[name]
                for name in rule.quantities if name in exact}

    # -- checking a hand calculation -------------------------------------------------------------

    def check(self, inputs: dict, answers: dict, tolerance=None, *, lang: str = "en") -> CheckReport:
        """Judge hand-computed ``answers`` at ``inputs`` as ``derive check`` judges a model file.

        ``answers`` is any subset of the quantities (``{"L": 0.298371109, "dL/dW_o": [[...], ...]}``);
        each is ``correct``, ``carried`` (wrong only because an earlier answer was) or ``wrong``.
        ``lang`` is the language of the table (``en`` or ``ko``); the JSON stays English.
        """
        from derive.check.worked import _worked

        _language(lang)
        worked = _worked(self._where, self._top(inputs, answers, tolerance))
        steps = judge(worked)
        report = FileReport(self._where, "worked", worked.rule.name, worked.title, steps, first_error(steps),
                            worked.expect, findings=explain(worked, steps))
        return CheckReport(report, path=self.path, lang=lang)


def _model_file(spec) -> tuple[str, dict]:
    path = user_path(spec, "model file")
    where = str(path)
    if not path.is_file():
        raise InputError("no such file" if not path.exists() else "not a regular file", path=where)
    top = read_yaml(Path(path))
    if not isinstance(top, dict) or "model" not in top:
        raise InputError("expected a model file: a mapping with 'model' (layers, loss) and 'inputs'", path=where)
    return where, top


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}; expected one of: {', '.join(LANGUAGES)}", field="lang")
    return lang


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}", field="format")
    return fmt


def model(spec, *, name: str | None = None, title: str | None = None, input_size: int | None = None,
          conventions: dict | None = None) -> Model:
    """Your own network: ``spec`` as a model file's ``model:`` (a dict), or a model file's path.

    ``name`` (default ``model``; a file's stem for a file) names the rule and the generated
    function; see :class:`Model` for the rest.
    """
    return Model(spec, name=name, title=title, input_size=input_size, conventions=conventions)


# -- a derivation you can display -------------------------------------------------------------------

class _Pages:
    """The pages of a derivation through its ``render(fmt)``: text (also ``str``), LaTeX, Markdown,
    and Jupyter's rendering of them."""

    def text(self) -> str:
        return self.render("text")

    def latex(self) -> str:
        return self.render("latex")

    def markdown(self) -> str:
        return self.render("markdown")

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        return self.latex()


class Derivation(_Pages):
    """A rule's derivation, shown as ``derive show`` shows it: text (``str``), LaTeX, Markdown.

    In Jupyter it renders as Markdown with ``$$`` blocks (KaTeX, MathJax); :meth:`prove`
    proves every step, after which each step names its proof (symbolic or numeric).
    """

    def __init__(self, rule, lang: str = "en"):
        self.rule = rule
        self.lang = _language(lang)
        #: The :class:`~derive.engine.verify.RuleReport` once :meth:`prove` has run.
        self.report = None

    def prove(self) -> Derivation:
        """Prove every step, result and gradient (:func:`derive.engine.verify.verify_rule`); returns self."""
        from derive.engine.verify import verify_rule

        self.report = verify_rule(self.rule)
        return self

    @property
    def proven(self) -> bool | None:
        """True when every check is proven, False when one failed, None before :meth:`prove`."""
        return None if self.report is None else self.report.ok

    def render(self, fmt: str = "text") -> str:
        """The derivation as ``derive show --format fmt`` prints it (text, latex or markdown)."""
        from derive.printing.derivation import render

        return render(self.rule, _format(fmt), self.report, self.lang)

    def __repr__(self) -> str:
        state = {None: "not proven yet", True: "every step proven", False: "a check FAILED"}[self.proven]
        return f"<derive.Derivation {self.rule.name}: {len(self.rule.derivations)} derivations, {state}>"



# -- a check's report you can display ---------------------------------------------------------------

class CheckReport:
    """What a check found: per quantity ``correct``, ``carried`` or ``wrong``, and where it went wrong.

    ``str(report)`` is the table of ``derive check``; in Jupyter it is an HTML table with the
    verdicts coloured. :meth:`to_json` is the report of ``derive check --json`` (``path`` is
    the file's, or None for a model given as a dict).
    """

    def __init__(self, report: FileReport, *, path: str | None = None, lang: str = "en"):
        #: The checker's :class:`~derive.check.report.FileReport`.
        self.report = report
        self.path = path
        self.lang = lang

    @property
    def ok(self) -> bool:
        """No mistake: every answer correct."""
        return self.report.ok

    @property
    def first_error(self):
        """The earliest ``wrong`` quantity (None when there is none)."""
        return self.report.first_error

    @property
    def statuses(self) -> dict:
        """{quantity: "correct" | "carried" | "wrong"}, in the order of the derivation (a worked file's;
        a derivation file's report has lines instead: :attr:`steps`)."""
        if self.report.kind != "worked":
            return {}
        return {step.name: step.status for step in self.report.steps}

    @property
    def steps(self) -> list:
        return self.report.steps

    @property
    def error(self) -> str | None:
        """Why the file could not be checked (a report of :func:`check` on a folder), else None."""
        return self.report.error

    def to_json(self) -> dict:
        """The report as ``derive check --json`` writes it (one entry of its ``reports``)."""
        out = self.report.to_json()
        out["path"] = self.path
        return out

    as_dict = to_json

    def text(self, lang: str | None = None) -> str:
        return format_report(self.report, _language(lang or self.lang))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        found = "unusable" if self.error else "no mistakes" if self.ok else f"first error {self.first_error}"
        return f"<derive.CheckReport {self.report.rule}: {found}>"

    # -- the tables ------------------------------------------------------------------------------

    def _rows(self):
        """(step, {column key: lines of text}, finding lines) for each answer, as the terminal table."""
        from derive.check.report import _Row

        for step in self.report.steps:
            finding = self.report.findings.get(step.name)
            row = _Row(step, finding, self.lang)
            cells = {key: stacked(array, CELL_WIDTH) for key, array in row.arrays.items()}
            if row.label:  # a big array: the number furthest off, by its position
                cells["col_yours"] = [f"{row.label}: {cells['col_yours'][0]}"]
            yield step, cells, finding.lines(self.lang) if finding is not None else []

    def _columns(self, rows) -> list[str]:
        shown = any("col_recomputed" in cells for _, cells, _ in rows)
        keys = ["col_quantity", "col_yours", "col_expected", "col_verdict"]
        return keys + (["col_recomputed"] if shown else [])

    def _closing(self) -> list[str]:
        """The lines under the table: the first error, and whether the file's expectation holds."""
        from derive.check.messages import message

        report, lang = self.report, self.lang
        lines = [message("first_error", lang, name=report.first_error) if report.first_error
                 else message("no_mistakes", lang)]
        if report.expect is not None:
            mismatches = report.mismatch_texts(lang)
            lines.append(message("as_expected_mistakes", lang) if not mismatches and report.expected_failure
                         else message("as_expected", lang) if not mismatches
                         else message("not_as_expected", lang, mismatches="; ".join(mismatches)))
        return lines

    def _heading(self) -> str:
        title = f": {self.report.title}" if self.report.title else ""
        return f"{self.report.rule}{title}"

    def _repr_html_(self) -> str:
        from derive.check.messages import message, status_text

        escape = html.escape
        if self.report.kind != "worked" or self.error is not None:
            return f"<pre>{escape(self.text())}</pre>"
        rows = list(self._rows())
        columns = self._columns(rows)
        cell = 'style="text-align:left;vertical-align:top;font-family:monospace;white-space:pre"'
        out = ['<div class="derive-check">', f"<p><b>{escape(self._heading())}</b></p>", "<table>",
               "<thead><tr>" + "".join(f'<th style="text-align:left">{escape(message(key, self.lang))}</th>'
                                       for key in columns) + "</tr></thead>", "<tbody>"]
        for step, cells, notes in rows:
            colour = COLOURS.get(step.status, "inherit")
            parts = [f"<td {cell}>{escape(step.name)}</td>"]
            for key in columns[1:]:
                if key == "col_verdict":
                    parts.append(f'<td style="text-align:left;vertical-align:top;color:{colour};font-weight:bold">'
                                 f"{escape(status_text(step.status, self.lang))}</td>")
                else:
                    parts.append(f"<td {cell}>{'<br>'.join(escape(line) for line in cells.get(key, []))}</td>")
            out.append(f'<tr class="derive-{step.status}">' + "".join(parts) + "</tr>")
            if notes:
                out.append(f'<tr><td></td><td colspan="{len(columns) - 1}" style="text-align:left;color:{colour}">'
                           + "<br>".join("→ " + escape(note) for note in notes) + "</td></tr>")
        out += ["</tbody>", "</table>"]
        out += [f"<p>{escape(line)}</p>" for line in self._closing()]
        out.append("</div>")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        from derive.check.messages import message, status_text

        if self.report.kind != "worked" or self.error is not None:
            return "```\n" + self.text() + "\n```\n"
        rows = list(self._rows())
        columns = self._columns(rows)
        out = [f"**{_markdown_text(self._heading())}**", "",
               "| " + " | ".join(message(key, self.lang) for key in columns) + " |",
               "|" + " --- |" * len(columns)]
        notes = []
        for step, cells, lines in rows:
            verdict = status_text(step.status, self.lang)
            verdict = {"wrong": f"**{verdict}**", "carried": f"*{verdict}*"}.get(step.status, verdict)
            values = ["<br>".join(f"`{line}`" for line in cells.get(key, [])) for key in columns[1:]
                      if key != "col_verdict"]
            values.insert(2, verdict)
            out.append(f"| `{step.name}` | " + " | ".join(values) + " |")
            notes += [f"- `{step.name}`: {_markdown_text(line)}" for line in lines]
        out += [""] + notes + ([""] if notes else []) + [_markdown_text(line) for line in self._closing()]
        return "\n".join(out) + "\n"


def _markdown_text(text: str) -> str:
    """Text that Markdown shows as written (its table bars and emphasis marks escaped)."""
    for mark in ("\\", "|", "*", "_", "`", "[", "]", "<", ">", "$"):
        text = text.replace(mark, "\\" + mark)
    return text


# -- the verbs as functions -------------------------------------------------------------------------

def show(rule_or_model, format: str = "text", lang: str = "en", *, prove: bool = True) -> str:
    """``derive show``: the derivation of a rule name, a model file, a :class:`Model` or a Rule, as
    text (``format="latex"`` or ``"markdown"``), every step proven first unless ``prove=False``.
    A rule name with a current proof record (:mod:`derive.records`) is shown from the record."""
    _format(format)
    _language(lang)
    if isinstance(rule_or_model, Model):
        rule = rule_or_model.rule
    elif isinstance(rule_or_model, (str, os.PathLike)):
        from derive.cli.show import recorded
        from derive.cli.show import rule_or_model as find

        record = recorded(os.fspath(rule_or_model), lang=lang) if prove else None
        if record is not None:
            derivation = RecordedDerivation(record, lang)
            return Shown(derivation.render(format), derivation)
        rule = find(os.fspath(rule_or_model))
    else:
        rule = rule_or_model
    derivation = Derivation(rule, lang)
    derivation = derivation.prove() if prove else derivation
    return Shown(derivation.render(format), derivation)


class RecordedDerivation(_Pages):
    """A rule's proven derivation as its current proof record holds it (:mod:`derive.records`):
    the pages of :class:`Derivation` after :meth:`~Derivation.prove`, without SymPy."""

    def __init__(self, record, lang: str = "en"):
        self.record = record
        self.lang = _language(lang)

    @property
    def proven(self) -> bool:
        return self.record.ok

    def render(self, fmt: str = "text") -> str:
        return self.record.page(_format(fmt), self.lang)

    def __repr__(self) -> str:
        state = "every step proven" if self.proven else "a check FAILED"
        return f"<derive.RecordedDerivation {self.record.name}: {state} (from its proof record)>"



class Shown(str):
    """What :func:`show` returns: the text asked for (a ``str``, as before), which Jupyter displays
    as the rendered derivation (KaTeX Markdown, or LaTeX)."""

    def __new__(cls, text: str, derivation):
        shown = super().__new__(cls, text)
        shown.derivation = derivation
        return shown

    def _repr_markdown_(self) -> str:
        return self.derivation.render("markdown")

    def _repr_latex_(self) -> str:
        return self.derivation.render("latex")


def check(path, *, lang: str = "en"):
    """``derive check``: a :class:`CheckReport` for a file (an unusable one raises InputError), a
    list of them for a folder (every YAML file under it; an unusable one is a report with ``error``)."""
    _language(lang)
    reports = check_paths([path])
    if user_path(path, "PATH").is_dir():
        return [CheckReport(report, path=report.path, lang=lang) for report in reports]
    (report,) = reports
    if report.error is not None:
        raise InputError(report.error)
    return CheckReport(report, path=report.path, lang=lang)


def rules() -> list[str]:
    """The name of every rule (``derive list``), without importing SymPy."""
    from derive import registry

    return registry.rule_names()


# -- derive grade and derive exercise as functions -----------------------------------------------------

class Grades:
    """``derive grade`` as a value: the class's marks (:class:`derive.check.grade.ClassGrades` as
    ``.grades``); shown as the Markdown report in Jupyter, as the table by ``print``."""

    def __init__(self, grades, lang: str = "en"):
        self.grades, self.lang = grades, lang

    @property
    def students(self) -> list:
        return self.grades.students

    def to_json(self) -> dict:
        from derive.check.grade_output import to_json

        return to_json(self.grades, self.lang)

    def to_csv(self) -> str:
        from derive.check.grade_output import to_csv

        return to_csv(self.grades)

    def __str__(self) -> str:
        from derive.check.grade_output import format_grades

        return format_grades(self.grades, self.lang)

    def _repr_markdown_(self) -> str:
        from derive.check.grade_output import to_markdown

        return to_markdown(self.grades, self.lang)


def grade(folder, *, scheme=None, feedback=None, lang: str = "en") -> Grades:
    """``derive grade``: every student's worked files under ``folder`` marked. ``scheme`` and
    ``feedback`` are the paths of a scheme file and a course's feedback file (or None)."""
    from derive.check.feedback import read_feedback
    from derive.check.grade import grade_folder, read_scheme

    _language(lang)
    grades = grade_folder(folder, read_scheme(scheme) if scheme else None,
                          feedback=read_feedback(feedback) if feedback else None, show_progress=False)
    return Grades(grades, lang)


class ExerciseSheet:
    """One student's exercise from ``derive exercise``: ``.exercise`` (its inputs and exact answers),
    ``.key()`` and ``.answer_form()`` (worked files), ``.latex()``; the sheet in Jupyter."""

    def __init__(self, exercise, lang: str = "en"):
        self.exercise, self.lang = exercise, lang

    def key(self) -> str:
        from derive.teach.sheet import answer_key

        return answer_key(self.exercise)

    def answer_form(self) -> str:
        from derive.teach.sheet import answer_form

        return answer_form(self.exercise)

    def latex(self) -> str:
        from derive.teach.sheet import latex_sheet

        return latex_sheet(self.exercise, self.lang)

    def _repr_markdown_(self) -> str:
        from derive.teach.sheet import markdown_sheet

        return markdown_sheet(self.exercise, self.lang)

    __str__ = _repr_markdown_


def exercise(rule_or_file: str, students, *, salt: str = "", lang: str = "en") -> list:
    """``derive exercise``: an :class:`ExerciseSheet` for every student id of ``students``."""
    from derive.teach.exercise import draw

    _language(lang)
    return [ExerciseSheet(e, lang) for e in draw(rule_or_file, [str(s) for s in students], salt=salt)]


# -- derive grad and derive equiv as functions -------------------------------------------------------

def grad(latex: str, wrt, *, shapes: dict | None = None, at: dict | None = None, onehot=None,
         jacobian: bool = False, lang: str = "en") -> Gradient:
    r"""``derive grad``: the gradient of a forward expression, step by step, as a :class:`Gradient`.

    ``wrt`` is a name or a list of names; ``shapes`` declares vectors and matrices
    (``{"W": (2, 3), "x": 3}``: ``--shape W=2x3 --shape x=3``, the matrix path); ``at`` gives every
    variable a number or nested lists (``{"W": [[1, 0, 2], [0, 1, 1]], "x": [1, 2, 3]}``);
    ``onehot`` names one-hot vectors; ``jacobian=True`` differentiates a vector expression.
    The report is the one ``derive grad --json`` prints: the verb itself runs on these arguments.
    Unusable input raises :class:`~derive.errors.InputError` with the verb's one-line message.
    """
    import argparse
    import contextlib
    import io
    import json

    from derive.cli import grad as verb

    names = [wrt] if isinstance(wrt, str) else list(wrt) if isinstance(wrt, (list, tuple)) else None
    if not names or not all(isinstance(name, str) for name in names):
        raise InputError(f"expected a variable name or a list of names, got {wrt!r}", field="wrt")
    onehot = [onehot] if isinstance(onehot, str) else list(onehot or ())
    args = argparse.Namespace(latex=_text(latex, "latex"), wrt=names, at=_point(at), json=True,
                              lang=_language(lang), emit_numpy=None, shape=_shapes(shapes), onehot=onehot,
                              jacobian=bool(jacobian))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = verb.run(args)
    return Gradient(json.loads(out.getvalue()), proven=code == 0, lang=lang)


def _text(value, field: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"expected a LaTeX formula (a string), got {type(value).__name__!r}", field=field)
    return value


def _shapes(shapes: dict | None) -> list[str]:
    """``{"W": (2, 3), "x": 3}`` as the verb's ``--shape`` values ``["W=2x3", "x=3"]``."""
    if shapes is None:
        return []
    if not isinstance(shapes, dict):
        raise InputError("expected a mapping of names to shapes, such as {'W': (2, 3), 'x': 3}", field="shapes")
    declared = []
    for name, shape in shapes.items():
        sizes = (shape,) if isinstance(shape, int) else tuple(shape) if isinstance(shape, (list, tuple)) else ()
        if not isinstance(name, str) or not 1 <= len(sizes) <= 2 \
                or not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
            raise InputError(f"expected a length (3) or rows and columns ((2, 3)), got {shape!r}",
                             field=f"shapes.{name}")
        declared.append(f"{name}=" + "x".join(map(str, sizes)))
    return declared


def _point(at: dict | None) -> str | None:
    """``{"W": [[1, 0], [0, 1]], "b": 0.5}`` as the verb's ``--at`` text ``W=[[1,0],[0,1]],b=0.5``."""
    import json

    if at is None:
        return None
    if not isinstance(at, dict):
        raise InputError("expected a mapping of names to numbers or nested lists, such as {'x': [1, 2, 3]}",
                         field="at")
    parts = []
    for name, value in at.items():
        if not isinstance(name, str):
            raise InputError(f"expected names (strings) as keys, got {name!r}", field="at")
        value = _plain(value)
        try:
            written = json.dumps(value, allow_nan=True)
        except (TypeError, ValueError):
            raise InputError(f"expected a number or nested lists of numbers, got {type(value).__name__!r}",
                             field=f"at.{name}") from None
        parts.append(f"{name}={written}")
    return ",".join(parts)


class Gradient:
    r"""A gradient derived step by step (``derive.grad``): the report of ``derive grad --json``.

    :meth:`result` is a gradient's LaTeX, :meth:`value` its value at ``at`` (a NumPy array in
    the variable's shape, a float for a scalar), :attr:`steps` the steps (``wrt``, ``latex``,
    ``why``, ``proof``). In Jupyter it renders as Markdown: each step a ``$$`` block with its
    reason, then the result.
    """

    def __init__(self, report: dict, *, proven: bool = True, lang: str = "en"):
        self.report = report
        #: Every step and result proven (the verb's exit status 0).
        self.proven = proven
        self.lang = lang

    @property
    def wrt(self) -> list[str]:
        return list(self.report["gradients"])

    @property
    def steps(self) -> list[dict]:
        return self.report["steps"]

    @property
    def forward(self) -> dict:
        """The forward expression: ``latex``, ``value`` (with ``at``), ``shapes`` (the matrix path)."""
        return self.report["forward"]

    def _gradient(self, name: str | None) -> dict:
        gradients = self.report["gradients"]
        if name is None and len(gradients) == 1:
            name = next(iter(gradients))
        if name not in gradients:
            raise InputError(f"no gradient by {name!r}; derived by: {', '.join(gradients)}", field="name")
        return gradients[name]

    def result(self, name: str | None = None) -> str:
        """The gradient by ``name`` (the only one when left out) in LaTeX."""
        return self._gradient(name)["latex"]

    def value(self, name: str | None = None):
        """The gradient by ``name`` at ``at``: a float, or a NumPy array in the variable's shape
        (the Jacobian's shape with ``jacobian=True``); None without ``at``."""
        gradient = self._gradient(name)
        if gradient["value"] is None:
            return None
        shape = gradient.get("shape", [])
        if not shape:
            return float(gradient["value"])
        import numpy as np

        return np.asarray(gradient["value"], dtype=float).reshape(shape)

    def to_json(self) -> dict:
        """The report as ``derive grad --json`` prints it."""
        import copy

        return copy.deepcopy(self.report)

    as_dict = to_json

    def _left(self, name: str) -> str:
        from derive.naming import latex_name

        return rf"\frac{{\partial f}}{{\partial {latex_name(name)}}}"

    def __repr__(self) -> str:
        gradients = self.report["gradients"].items()
        results = "; ".join(f"df/d{name} = {g.get('text') or g['latex']}" for name, g in gradients)
        state = "proven" if self.proven else "a proof FAILED"
        return f"<derive.Gradient f = {self.forward.get('text') or self.forward['latex']}: {results} ({state})>"

    def _repr_markdown_(self) -> str:
        out = [f"$$f = {self.forward['latex']}$$", ""]
        for name, gradient in self.report["gradients"].items():
            out += [f"**{_markdown_text('∂f/∂' + name)}**", ""]
            for number, step in enumerate((s for s in self.steps if s["wrt"] == name), 1):
                why = _markdown_text(step.get("message", step["why"]))
                out += [f"{number}. {why} *({_markdown_text(step['proof'])})*", "", f"$${step['latex']}$$", ""]
            out += [f"$${self._left(name)} = {gradient['latex']}$$", ""]
            if gradient["value"] is not None:
                out += [f"at the point: `{gradient['value']}`", ""]
        return "\n".join(out)

    def _repr_latex_(self) -> str:
        lines = [f"f &= {self.forward['latex']}"]
        for name, gradient in self.report["gradients"].items():
            lines += [f"&{step['latex']}" for step in self.steps if step["wrt"] == name]
            lines.append(f"{self._left(name)} &= {gradient['latex']}")
        return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"


def equiv(rule: str, quantity: str, latex: str, *, conventions: dict | None = None, lang: str = "en") -> Equivalence:
    r"""``derive equiv``: is the hand-derived ``latex`` the ``quantity`` of ``rule``? An :class:`Equivalence`.

    ``conventions={"squared_error": "half"}`` is the verb's ``--convention``. An unknown rule or
    quantity, or a formula that cannot be read, raises :class:`~derive.errors.InputError`.
    """
    from derive.check.equiv import check_equivalence
    from derive.engine.conventions import in_convention, parse_flags
    from derive.registry import get_rule

    _language(lang)
    try:
        found = get_rule(rule)
    except InputError as error:
        raise InputError(str(error), field="rule") from None
    if conventions is not None and not isinstance(conventions, dict):
        raise InputError("expected a mapping such as {'squared_error': 'half'}", field="conventions")
    flags = [f"{key}={value}" for key, value in (conventions or {}).items()]
    found = in_convention(found, parse_flags(flags), field="conventions")
    result = check_equivalence(found, _text(quantity, "quantity"), _text(latex, "latex"))
    return Equivalence(result, rule=found, quantity=quantity, latex=latex, lang=lang)


class Equivalence:
    """The verdict of ``derive equiv``: ``equivalent`` or ``not_equivalent``, a diagnosis of the
    usual mistake and a counterexample. True when equivalent; :meth:`to_json` is the verb's JSON;
    in Jupyter the verdict is coloured (green, red)."""

    def __init__(self, result, *, rule, quantity: str, latex: str, lang: str = "en"):
        #: The :class:`~derive.check.equiv.Equivalence` the checker returned.
        self.result = result
        self.rule, self.quantity, self.latex, self.lang = rule, quantity, latex, lang

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def diagnosis(self) -> str:
        """In English (the JSON's); :attr:`message` says it in ``lang``."""
        return self.result.diagnosis

    @property
    def counterexample(self) -> dict | None:
        """{input or component (``W[1,2]``): value} where the formula and the quantity differ."""
        return self.result.counterexample

    @property
    def mistake(self) -> str | None:
        return self.result.mistake

    @property
    def message(self) -> str:
        """The verdict and the diagnosis in ``lang``, as the verb prints them."""
        from derive.check.messages import message

        return message(self.verdict, self.lang, diagnosis=self.result.say(self.lang))

    def __bool__(self) -> bool:
        return self.verdict == "equivalent"

    def to_json(self) -> dict:
        """The object ``derive equiv --json`` prints."""
        out = self.result.to_json()
        if self.lang != "en":  # the contract's fields stay English; the student's language beside them
            out["message"] = self.message
        return out

    as_dict = to_json

    def _counterexample_lines(self) -> list[str]:
        from derive.check.messages import message
        from derive.cli.equiv import counterexample_lines

        if not self.counterexample:
            return []
        return [message("counterexample", self.lang)] + counterexample_lines(
            self.counterexample, list(self.rule.inputs), self.latex, self.lang)

    def __str__(self) -> str:
        return "\n".join([self.message] + self._counterexample_lines())

    def __repr__(self) -> str:
        return f"<derive.Equivalence {self.rule.name} {self.quantity}: {self.verdict}>"

    def _repr_html_(self) -> str:
        colour = COLOURS["correct" if self else "wrong"]
        verdict, _, diagnosis = self.message.partition(": ")
        shown = f'<span style="color:{colour};font-weight:bold">{html.escape(verdict)}</span>'
        out = [f'<div class="derive-equiv derive-{self.verdict}">', f"<p>{shown}: {html.escape(diagnosis)}</p>"]
        lines = self._counterexample_lines()
        if lines:
            out.append(f"<pre>{html.escape(chr(10).join(lines))}</pre>")
        out.append("</div>")
        return "\n".join(out)

    def _repr_markdown_(self) -> str:
        verdict, _, diagnosis = self.message.partition(": ")
        out = [f"**{_markdown_text(verdict)}**: {_markdown_text(diagnosis)}"]
        lines = self._counterexample_lines()
        if lines:
            out += ["", "```", *lines, "```"]
        return "\n".join(out) + "\n"


__all__ = [
    "CheckReport",
    "Derivation",
    "Equivalence",
    "ExerciseSheet",
    "Grades",
    "Gradient",
    "Model",
    "check",
    "equiv",
    "exercise",
    "file_node",
    "grad",
    "grade",
    "model",
    "rules",
    "show",
]
