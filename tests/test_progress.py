"""Progress on standard error for the verbs that can take more than two seconds: ``show`` while it
proves, ``check`` on several files (``docs`` and ``run`` have theirs). Shown on a terminal only."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_a_terminal(monkeypatch) -> Terminal:
    """Standard error as a terminal, for the rest of the test (set in the test's body: pytest's own
    capture sets sys.stderr again between the set-up and the call)."""
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_show_counts_the_derivations_it_proves(capsys, monkeypatch):
    terminal = on_a_terminal(monkeypatch)
    assert main(["show", "linear_mse", "--prove"]) == 0  # without --prove: the record, nothing to prove
    shown = terminal.getvalue()
    assert "\rproving linear_mse: 0/" in shown and shown.endswith("\r"), shown
    assert "proving" not in capsys.readouterr().out  # the page itself is unchanged


def test_show_without_proof_shows_no_progress(capsys, monkeypatch):
    terminal = on_a_terminal(monkeypatch)
    assert main(["show", "linear_mse", "--no-proof"]) == 0
    assert terminal.getvalue() == ""


def test_check_on_a_folder_counts_the_files(capsys, monkeypatch, tmp_path):
    terminal = on_a_terminal(monkeypatch)
    for name in ("linear_mse_two_inputs.yaml", "sigmoid_bce_confident.yaml"):
        shutil.copy(ROOT / "worked_examples" / name, tmp_path / name)
    assert main(["check", str(tmp_path)]) == 0
    shown = terminal.getvalue()
    assert "\rcheck: 0/2" in shown and "\rcheck: 2/2" in shown and shown.endswith("\r"), shown


def test_check_quiet_off_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DERIVE_QUIET", raising=False)
    for name in ("linear_mse_two_inputs.yaml", "sigmoid_bce_confident.yaml"):
        shutil.copy(ROOT / "worked_examples" / name, tmp_path / name)
    assert main(["check", str(tmp_path)]) == 0
    assert "check:" not in capsys.readouterr().err
