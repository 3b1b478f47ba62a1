"""Group H, cost that grows with unrelated work: ten thousand epic folders beside the one planned."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.conftest import DEMO_NOW, EPIC, REPO

FILLERS = 10_000
EPICS = ".task-master/epics"

# The child counts every file or folder opened, and every folder listed, in another epic's folder
# while one command runs (Python's audit events see each open, listdir and scandir). Files are
# opened one path component at a time, so an open is told by the unrelated folder's name in it.
CHILD = r"""
import json, os, sys, time
argv = sys.argv[1:]
seen = {"opened": 0, "listed": 0}
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        if "_unrelated-" in os.fsdecode(args[0]):
            seen["opened" if event == "open" else "listed"] += 1
sys.addaudithook(hook)
from planner_tui.cli.main import main
start = time.perf_counter()
code = main(argv)
seen["seconds"] = time.perf_counter() - start
seen["code"] = code
sys.stdout.flush()
print("\n" + json.dumps(seen))
"""


def _tree(base: Path, fillers: int) -> Path:
    from planner_tui.demo import make_demo

    root = make_demo(base, now=DEMO_NOW)
    for n in range(fillers):
        folder = root / EPICS / f"{2000 + n}_unrelated-{n}"
        folder.mkdir()
        prd = folder / "04-prd.md"
        prd.write_text(f"# Unrelated epic {n} — PRD\n", encoding="utf-8")
        for path in (prd, folder):  # older than the demo's working epic, which stays the newest
            os.utime(path, (DEMO_NOW - 400 * 86_400, DEMO_NOW - 400 * 86_400))
    return root


def _build_trees(base: Path) -> dict[int, Path]:
    home = base / "h8home"
    home.mkdir(parents=True)
    (home / ".gitconfig").write_text("[user]\n\tname = Rel Tester\n\temail = rel@example.test\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        return {n: _tree(base / f"h8-{n}", n) for n in (10, FILLERS)}


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[int, Path]:
    """The demo project with 10 and with 10,000 unrelated epic folders (each with a PRD), built once
    per run: 10,000 folders take seconds of file-system work, so parallel workers share one build
    (the folder every worker's temporary folder is in, under a lock)."""
    if worker_id == "master":  # not distributed
        return _build_trees(tmp_path_factory.mktemp("h8"))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent / "h8-trees"
    with FileLock(f"{shared}.lock"):
        if not (shared / "built").exists():
            shutil.rmtree(shared, ignore_errors=True)
            _build_trees(shared)
            (shared / "built").touch()
    return {n: (shared / f"h8-{n}").resolve() for n in (10, FILLERS)}


def _run(root: Path, *argv: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "--project", str(root), *argv],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"{EPICS}/{EPIC}/" in proc.stdout, proc.stdout[-2000:]  # the command ran on the demo's epic
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_H8_a_command_that_names_its_epic_reads_no_other_epic(trees: dict[int, Path]) -> None:
    """With 10,000 unrelated epic folders (each with a PRD) beside the demo's, `status --epic
    009` opens no file and lists no folder of any other epic, and takes about as long as with
    10 of them (at most three times as long, plus half a second for a loaded machine)."""
    small = _run(trees[10], "--epic", "009", "status")
    big = _run(trees[FILLERS], "--epic", "009", "status")
    assert big["opened"] + big["listed"] == 0 and small["opened"] + small["listed"] == 0
    assert big["seconds"] <= 3 * small["seconds"] + 0.5, (small, big)


@pytest.mark.slow
def test_H8b_without_an_epic_the_newest_is_found_without_reading_titles(trees: dict[int, Path]) -> None:
    """Without `--epic` the most recently changed epic is chosen by the folders' times alone:
    not one of the 10,000 other PRDs is opened to read a title."""
    big = _run(trees[FILLERS], "status")
    assert big["opened"] == 0  # each folder's times are looked at (listed), no file in it is opened
