"""Every formula of every generated page renders in KaTeX (the npm ``katex`` package, run with node).

The test setup installs KaTeX once into a cache folder (``~/.cache/derive-tests/katex``); where node
or npm is missing, or the package cannot be installed, the test is skipped with a warning saying so.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs" / "rules").glob("*.md")) + sorted((ROOT / "docs" / "ko" / "rules").glob("*.md"))
KATEX_VERSION = "0.16"
CACHE = Path.home() / ".cache" / "derive-tests" / "katex"
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE = re.compile(r"(?<![\$\\])\$(?!\$)([^$\n]+?)\$")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def formulas(page: Path) -> list[dict]:
    """The $$…$$ and $…$ formulas of a Markdown page, code spans and blocks left out."""
    text = _CODE.sub("", page.read_text(encoding="utf-8"))
    found = [{"where": page.relative_to(ROOT).as_posix(), "tex": m.group(1).strip(), "display": True}
             for m in _DISPLAY.finditer(text)]
    rest = _DISPLAY.sub("", text)
    found += [{"where": page.relative_to(ROOT).as_posix(), "tex": m.group(1).strip(), "display": False}
              for m in _INLINE.finditer(rest)]
    return found


@pytest.fixture(scope="session")
def katex_module() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        warnings.warn("KaTeX rendering not tested: node and npm are not installed", stacklevel=1)
        pytest.skip("node and npm are not installed")
    module = CACHE / "node_modules" / "katex"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:  # one install at a time when tests run in parallel workers
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (module / "package.json").exists():
            _install(npm, module)
    return module


def _install(npm: str, module: Path) -> None:
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(CACHE),
                           f"katex@{KATEX_VERSION}"], capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not (module / "package.json").exists():
        warnings.warn(f"KaTeX rendering not tested: npm could not install katex ({done.stderr.strip()[:200]})",
                      stacklevel=1)
        pytest.skip("katex could not be installed")


def render(module: Path, items: list[dict]) -> dict:
    done = subprocess.run(["node", str(ROOT / "tests" / "js" / "katex_render.js"), str(module)],
                          input=json.dumps(items), capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def test_there_are_formulas_on_every_page():
    assert len(PAGES) >= 56  # 28 rules, in English and in Korean
    assert all(formulas(page) for page in PAGES)


def test_every_formula_of_every_page_renders(katex_module):
    items = [item for page in PAGES for item in formulas(page)]
    assert len(items) > 700
    report = render(katex_module, items)
    failures = report["failures"]
    assert not failures, "\n".join(f"{f['where']}: {f['error']}" for f in failures[:10])


def test_a_broken_formula_is_caught(katex_module):
    """The check can fail: the double subscript the LSE printer used to write."""
    report = render(katex_module, [{"where": "x", "tex": r"e^{s_{3}_{k}}", "display": True}])
    assert len(report["failures"]) == 1 and "Double subscript" in report["failures"][0]["error"]
