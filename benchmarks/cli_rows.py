"""Rows for agents' command-line calls and for cost that stays flat as unrelated work grows (issue 15)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["agent_calls", "epic_among_many", "epics_listing", "status_at_scale", "add_epic_folders", "write_topics_prompt"]

FLOOR_IMPORTS = "import pydantic, jinja2, pygit2, markdown_it"
"""The import floor: the libraries every planner-tui call needs, as `python -c` imports them."""
# pydantic imports BaseModel lazily, so the floor misses what the first model class costs; this
# context number (it decides no verdict) shows that share.
FIRST_MODEL = FLOOR_IMPORTS + "\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)"
DEMO_EPIC = "9"
BACKEND_PROMPT = ".cursor/commands/20-roles/23-backend.md"


def _run_module(bench):
    """The runner's module (its Row and ms), whichever name it was started under."""
    return sys.modules[type(bench).__module__]


def _cli() -> list[str]:
    """How an agent calls planner-tui: the console script beside this Python, else `-m`."""
    script = Path(sys.executable).with_name("planner-tui")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "planner_tui"]


def _timed(command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    """Wall seconds of one fresh process (what an agent waits for) and its stdout."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(command[-4:])} exited {proc.returncode}: {proc.stderr[-500:]}")
    return seconds, proc.stdout


def _demo(bench, name: str) -> Path:
    from planner_tui.demo import make_demo

    return make_demo(bench.root / name)


def _rounds(bench) -> int:
    return 1 if bench.sizes.rounds <= 1 else 2 * bench.sizes.rounds + 1


def agent_calls(bench):
    """`status --json`, `add`, `answer` and `confirm` on the demo against the import floor, taking turns."""
    run = _run_module(bench)
    demo = _demo(bench, "cli-demo")
    cli, env = _cli(), bench.env
    times: dict[str, list[float]] = {k: [] for k in ("floor", "first_model", "status", "add", "answer", "confirm")}
    for n in range(_rounds(bench)):
        times["floor"].append(_timed([sys.executable, "-c", FLOOR_IMPORTS], demo, env)[0])
        if bench.sizes.context:
            times["first_model"].append(_timed([sys.executable, "-c", FIRST_MODEL], demo, env)[0])
        times["status"].append(_timed([*cli, "--epic", DEMO_EPIC, "status", "--json"], demo, env, ok=(0, 1))[0])
        times["add"].append(_timed([*cli, "--epic", DEMO_EPIC, "add", "1", "note", f"Benchmark note {n}."], demo, env)[0])
        _, question = _timed([*cli, "--epic", DEMO_EPIC, "add", "2", "question", f"Benchmark question {n}?"], demo, env)
        times["answer"].append(_timed([*cli, "--epic", DEMO_EPIC, "answer", question.strip(), f"Answer {n}."], demo, env)[0])
        times["confirm"].append(_timed([*cli, "--epic", DEMO_EPIC, "confirm", "1"], demo, env)[0])
        _timed([*cli, "--epic", DEMO_EPIC, "unconfirm", "1"], demo, env)
    med = {k: statistics.median(v) if v else float("nan") for k, v in times.items()}
    floor = med["floor"]
    ratios = {k: med[k] / floor for k in ("status", "add", "answer", "confirm")}
    worst = max(ratios.values())
    said = ", ".join(f"{k} {ratios[k]:.2f}x ({run.ms(med[k])})" for k in ratios)
    model = med["first_model"]
    first_model = f"{run.ms(model)} = {model / floor:.2f}x" if model == model else run.ms(model)
    return run.Row(
        "agents' command-line calls on the demo",
        f"{worst:.2f}x the import floor at worst: {said}; floor `python -c \"{FLOOR_IMPORTS}\"` {run.ms(floor)}; "
        f"the floor plus pydantic's first model class {first_model} (medians of {len(times['floor'])}, taking turns)",
        "<= 1.3x the import floor, each", worst <= 1.3, {"times": times},
    )


def add_epic_folders(project: Path, count: int) -> None:
    """Unrelated epic folders beside the demo's two, each with a PRD whose heading is its title."""
    base = project / ".task-master" / "epics"
    for n in range(count):
        folder = base / f"{1000 + n:05d}_unrelated-epic-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "04-prd.md").write_text(f"# Unrelated epic {n} — Product Requirements Document\n\nNot this one.\n", encoding="utf-8")


def _many_and_few(bench) -> tuple[Path, Path, int]:
    many = 10_000 if bench.sizes.rounds > 1 else 200
    if not hasattr(bench, "_cli_epic_projects"):
        few_project, many_project = _demo(bench, "epics-10"), _demo(bench, f"epics-{many}")
        bench.log(f"adding {many:,} epic folders")
        add_epic_folders(few_project, 10 - 2)
        add_epic_folders(many_project, many - 2)
        bench._cli_epic_projects = (few_project, many_project)
    return (*bench._cli_epic_projects, many)


def epic_among_many(bench):
    """`--epic 9 status --json` among 10,000 epic folders against the same among 10."""
    run = _run_module(bench)
    few, many, count = _many_and_few(bench)
    command = [*_cli(), "--epic", DEMO_EPIC, "status", "--json"]
    small, big = [], []
    for _ in range(_rounds(bench)):
        small.append(_timed(command, few, bench.env, ok=(0, 1))[0])
        big.append(_timed(command, many, bench.env, ok=(0, 1))[0])
    s, b = statistics.median(small), statistics.median(big)
    return run.Row(
        f"a command naming its epic among {count:,} epic folders",
        f"{b / s:.2f}x the same among 10 (`--epic 9 status --json`: {run.ms(b)} against {run.ms(s)}; medians of {len(big)}, taking turns)",
        "<= 1.2x", b / s <= 1.2, {"few": small, "many": big},
    )


def epics_listing(bench):
    """`epics --json` among 10,000 epic folders: the first call, and the calls after it."""
    run = _run_module(bench)
    _few, many, count = _many_and_few(bench)
    command = [*_cli(), "epics", "--json"]
    cache = many / ".planner-tui" / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    first, out = _timed(command, many, bench.env)
    listed = out.count('"folder"')
    again = [_timed(command, many, bench.env)[0] for _ in range(_rounds(bench))]
    a = statistics.median(again)
    return run.Row(
        f"epics --json among {count:,} epic folders",
        f"{run.ms(a)} (median of {len(again)}; {listed:,} epics listed; the first call, before any cache, {run.ms(first)})",
        "< 1 s", a < 1.0 and listed == count, {"first": first, "again": again, "listed": listed},
    )


def write_topics_prompt(project: Path, topics: int) -> None:
    """Replace the demo's backend prompt's topic list with `topics` topics (the scaffold stays)."""
    path = project / BACKEND_PROMPT
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("- Domain and data model"))
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("- Observability:"))
    made = [f"     - Area {n} of the backend: endpoints, jobs, caching and limits (part {n})." for n in range(1, topics + 1)]
    path.write_text("\n".join(lines[:start] + made + lines[end + 1:]), encoding="utf-8")


def status_at_scale(bench):
    """`status --json` on a session of 10,000 entries and on a role prompt of 200 topics, against the demo's."""
    run = _run_module(bench)
    demo = _demo(bench, "scale-demo")
    topics = 200 if bench.sizes.rounds > 1 else 20
    many_topics = _demo(bench, "scale-topics")
    write_topics_prompt(many_topics, topics)
    command = [*_cli(), "--epic", DEMO_EPIC, "status", "--json"]
    got: dict[str, list[float]] = {"demo": [], "entries": [], "topics": []}
    for _ in range(_rounds(bench)):
        got["demo"].append(_timed(command, demo, bench.env, ok=(0, 1))[0])
        got["entries"].append(_timed(command, bench.big_session, bench.env, ok=(0, 1))[0])
        got["topics"].append(_timed(command, many_topics, bench.env, ok=(0, 1))[0])
    d, e, t = (statistics.median(got[k]) for k in ("demo", "entries", "topics"))
    entries = bench.sizes.session_entries
    return run.Row(
        f"status on a session of {entries:,} entries and on a role prompt of {topics} topics",
        f"{e / d:.2f}x and {t / d:.2f}x the demo's ({run.ms(e)}, {run.ms(t)} against {run.ms(d)}; medians of {len(got['demo'])}, taking turns)",
        "<= 2x the demo's, each", e / d <= 2 and t / d <= 2, got,
    )
