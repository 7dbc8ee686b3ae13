"""Generated NumPy is committed source: a fresh generation must be byte-identical,
and importing derive.numpy must not import SymPy."""

import subprocess
import sys

import pytest

from derive.codegen.generate import generated_files
from derive.registry import rules


@pytest.mark.parametrize("path_source", sorted(generated_files(rules()).items()), ids=lambda p: p[0].name)
def test_generated_module_is_up_to_date(path_source):
    path, source = path_source
    assert path.exists(), f"{path.name} is missing: run python -m derive.codegen"
    assert path.read_text() == source, f"{path.name} differs from a fresh generation: run python -m derive.codegen"


def test_derive_numpy_does_not_import_sympy():
    code = "import sys, derive.numpy; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_contract_entry_points_exist():
    import derive.numpy as dn

    for name in ("softmax_ce", "sigmoid_bce"):
        assert callable(getattr(dn, name))
