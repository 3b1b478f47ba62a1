"""The benchmark runner runs end to end on tiny inputs and prints one well-formed line per row."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<row>[^|]+) \| (?P<value>.+) \| target (?P<target>[^|]+) \| (?P<verdict>holds|falls short)$")
ROWS = [
    "start to first full frame",
    "keystroke to frame in the composer",
    "plan preview after an entry is added, 30-line plan",
    "plan preview after an entry is added, 60-line plan",
    "open a 0.02 MB artifact",
    "commit of the plan, repository of 200 files",
    "a file changed on disk -> visible in the workbench",
    "save of a session with 200 entries",
    "memory with a 0.02 MB artifact open",
    "status through MCP, tool-call round trip (warm server, demo)",
    "agents' command-line calls on the demo",
    "a command naming its epic among 200 epic folders",
    "epics --json among 200 epic folders",
    "status on a session of 200 entries and on a role prompt of 20 topics",
]


@pytest.mark.slow
def test_runner_prints_a_line_per_row_and_exits_by_the_verdicts(tmp_path):
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--tiny", "--json", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    lines = proc.stdout.strip().splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [m["row"] for m in parsed] == ROWS
    assert all("not measured" not in m["value"] for m in parsed), proc.stderr[-2000:]
    verdicts = [m["verdict"] == "holds" for m in parsed]
    # exit status 0 exactly when every row holds (tiny inputs say nothing about the speed)
    assert proc.returncode == (0 if all(verdicts) else 1)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [r["name"] for r in data["rows"]] == ROWS and data["machine"]["textual"]
    assert [r["holds"] for r in data["rows"]] == verdicts
