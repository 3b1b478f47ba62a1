"""The engine must stay free of Textual so the command line and scripts can use it alone."""

import pkgutil
import subprocess
import sys

import planner_tui.core


def test_core_imports_without_textual():
    modules = [m.name for m in pkgutil.walk_packages(planner_tui.core.__path__, "planner_tui.core.")]
    assert len(modules) >= 40, modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "import planner_tui.cli.main, planner_tui.cli.reports\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in: {out.stdout.strip()}"
