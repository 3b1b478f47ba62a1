"""The engine must stay free of Textual so the command line and scripts can use it alone."""

import pkgutil
import subprocess
import sys

import planner_tui.core


def test_core_imports_without_textual():
    modules = [f"planner_tui.core.{m.name}" for m in pkgutil.iter_modules(planner_tui.core.__path__)]
    assert len(modules) >= 10, modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "import planner_tui.cli, planner_tui.cli_reports\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"
