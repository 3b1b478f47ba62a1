"""The import contracts in pyproject.toml hold, and a broken one is caught (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def _lint(cwd: Path, *, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LINT, "--no-cache", "--no-logo", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    """A copy of the package and its contracts that a test may break."""
    shutil.copytree(REPO / "planner_tui", tmp_path / "planner_tui", ignore=shutil.ignore_patterns("__pycache__", "demo"))
    (tmp_path / "planner_tui" / "demo").mkdir()
    (tmp_path / "planner_tui" / "demo" / "__init__.py").write_text('"""Stand-in."""\n', encoding="utf-8")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_every_import_contract_holds_on_the_package():
    result = _lint(REPO, pythonpath=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    # One line per contract, each kept: the contracts really ran.
    assert result.stdout.count(" KEPT") >= 8, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/models.py", "import textual", "The core is pure"),
        ("core/git/identity.py", "from planner_tui.core.storage import files", "Git and storage do not import each other"),
        ("core/text/names.py", "from planner_tui.core.plan import render", "Text is the floor of the core"),
        ("core/epic/epics.py", "from planner_tui.core import engine", "The core's parts in layers"),
        ("widgets/lines.py", "from planner_tui.screens import help", "Widgets never reach up"),
        ("core/plan/diff.py", "from planner_tui.core.git import repo", "Only the engine and the project talk to git"),
        ("widgets/lines.py", "import mcp.types", "Only the agent server speaks MCP"),
        ("warm/place.py", "from planner_tui.core import models", "The entry point is light"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    root = _copy(tmp_path)
    target = root / "planner_tui" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # a violation, on purpose\n", encoding="utf-8")
    result = _lint(root, pythonpath=root)
    assert result.returncode == 1, result.stdout
    broken = [row for row in result.stdout.splitlines() if row.endswith(" BROKEN") or " BROKEN (" in row]
    assert any(row.startswith(contract) for row in broken), result.stdout
