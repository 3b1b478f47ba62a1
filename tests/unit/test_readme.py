"""The README is the front door: its commands and key table must match the project."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_key_table_matches_the_real_bindings():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_keys.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "pytest" in line and not line.startswith("#"))
    assert command.strip() in readme
