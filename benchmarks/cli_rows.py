"""Rows for agents' command-line calls and for cost that stays flat as unrelated work grows (issue 15)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
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


def _cold(bench) -> dict[str, str]:
    """Each call in a fresh process that imports everything (the first call of a day, or PLANNER_TUI_WARM=0)."""
    return {**bench.env, "PLANNER_TUI_WARM": "0"}


class _Warm:
    """Calls answered by a warm process (what every call after the first gets), started and waiting
    before the first timed call; in a private folder of this run, stopped at the end of the row."""

    def __init__(self, bench, cwd: Path) -> None:
        self.folder = tempfile.mkdtemp(prefix="ptw-", dir="/tmp")  # short: a socket path has at most 107 bytes
        self.env = {**bench.env, "PLANNER_TUI_WARM": "1", "PLANNER_TUI_WARM_DIR": self.folder}
        self.cwd = cwd

    def __enter__(self) -> dict[str, str]:
        _timed([*_cli(), "warm", "--start"], self.cwd, self.env)
        return self.env

    def __exit__(self, *_exc) -> None:
        subprocess.run([*_cli(), "warm", "--stop"], cwd=self.cwd, env=self.env, capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def _demo(bench, name: str) -> Path:
    from planner_tui.demo import make_demo

    return make_demo(bench.root / name)


def _rounds(bench) -> int:
    return 1 if bench.sizes.rounds <= 1 else 2 * bench.sizes.rounds + 1


def agent_calls(bench):
    """`status --json`, `add`, `answer` and `confirm` on the demo against the import floor, taking
    turns: answered by the warm process (the verdict: an agent's every call after its first) and, for
    context, each in a fresh process."""
    run = _run_module(bench)
    demo = _demo(bench, "cli-demo")
    cli = _cli()
    calls = ("status", "add", "answer", "confirm")
    times: dict[str, list[float]] = {k: [] for k in ("floor", "first_model", *calls, *(f"cold_{c}" for c in calls))}
    with _Warm(bench, demo) as warm:
        for n in range(_rounds(bench)):
            times["floor"].append(_timed([sys.executable, "-c", FLOOR_IMPORTS], demo, bench.env)[0])
            if bench.sizes.context:
                times["first_model"].append(_timed([sys.executable, "-c", FIRST_MODEL], demo, bench.env)[0])
            for prefix, env in (("", warm), ("cold_", _cold(bench))):
                times[f"{prefix}status"].append(_timed([*cli, "--epic", DEMO_EPIC, "status", "--json"], demo, env, ok=(0, 1))[0])
                times[f"{prefix}add"].append(_timed([*cli, "--epic", DEMO_EPIC, "add", "1", "note", f"Benchmark note {n}."], demo, env)[0])
                _, question = _timed([*cli, "--epic", DEMO_EPIC, "add", "2", "question", f"Benchmark question {n}?"], demo, env)
                times[f"{prefix}answer"].append(_timed([*cli, "--epic", DEMO_EPIC, "answer", question.strip(), f"Answer {n}."], demo, env)[0])
                times[f"{prefix}confirm"].append(_timed([*cli, "--epic", DEMO_EPIC, "confirm", "1"], demo, env)[0])
                _timed([*cli, "--epic", DEMO_EPIC, "unconfirm", "1"], demo, env)
    med = {k: statistics.median(v) if v else float("nan") for k, v in times.items()}
    floor = med["floor"]
    ratios = {k: med[k] / floor for k in calls}
    worst = max(ratios.values())
    said = ", ".join(f"{k} {ratios[k]:.2f}x ({run.ms(med[k])})" for k in calls)
    cold = ", ".join(f"{k} {med['cold_' + k] / floor:.2f}x ({run.ms(med['cold_' + k])})" for k in calls)
    model = med["first_model"]
    first_model = f"{run.ms(model)} = {model / floor:.2f}x" if model == model else run.ms(model)
    return run.Row(
        "agents' command-line calls on the demo",
        f"{worst:.2f}x the import floor at worst, answered by the warm process: {said}; each in a fresh process "
        f"(the first call, or PLANNER_TUI_WARM=0): {cold}; floor `python -c \"{FLOOR_IMPORTS}\"` {run.ms(floor)}; "
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
    """`--epic 9 status --json` among 10,000 epic folders against the same among 10: each in a fresh
    process and answered by the warm process (where the imports no longer hide the work); both must hold."""
    run = _run_module(bench)
    few, many, count = _many_and_few(bench)
    command = [*_cli(), "--epic", DEMO_EPIC, "status", "--json"]
    got: dict[str, list[float]] = {"few": [], "many": [], "warm_few": [], "warm_many": []}
    with _Warm(bench, few) as warm:
        for _ in range(_rounds(bench)):
            for prefix, env in (("", _cold(bench)), ("warm_", warm)):
                got[f"{prefix}few"].append(_timed(command, few, env, ok=(0, 1))[0])
                got[f"{prefix}many"].append(_timed(command, many, env, ok=(0, 1))[0])
    med = {k: statistics.median(v) for k, v in got.items()}
    cold, hot = med["many"] / med["few"], med["warm_many"] / med["warm_few"]
    return run.Row(
        f"a command naming its epic among {count:,} epic folders",
        f"{cold:.2f}x the same among 10 in a fresh process (`--epic 9 status --json`: {run.ms(med['many'])} against "
        f"{run.ms(med['few'])}), {hot:.2f}x answered by the warm process ({run.ms(med['warm_many'])} against "
        f"{run.ms(med['warm_few'])}); medians of {len(got['many'])}, taking turns",
        "<= 1.2x, each", max(cold, hot) <= 1.2, got,
    )


def epics_listing(bench):
    """`epics --json` among 10,000 epic folders: the first call (no cache, no warm process), then
    the calls after it, answered by the warm process (the verdict) and each in a fresh process."""
    run = _run_module(bench)
    _few, many, count = _many_and_few(bench)
    command = [*_cli(), "epics", "--json"]
    cache = many / ".planner-tui" / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    first, out = _timed(command, many, _cold(bench))
    listed = out.count('"folder"')
    got: dict[str, list[float]] = {"warm": [], "cold": []}
    with _Warm(bench, many) as warm:
        for _ in range(_rounds(bench)):
            got["warm"].append(_timed(command, many, warm)[0])
            got["cold"].append(_timed(command, many, _cold(bench))[0])
    hot, cold = statistics.median(got["warm"]), statistics.median(got["cold"])
    return run.Row(
        f"epics --json among {count:,} epic folders",
        f"{run.ms(hot)} answered by the warm process, {run.ms(cold)} in a fresh process (medians of {len(got['warm'])}, "
        f"taking turns; {listed:,} epics listed; the first call, before any cache, {run.ms(first)})",
        "< 1 s", hot < 1.0 and listed == count, {"first": first, **got, "listed": listed},
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
    """`status --json` on a session of 10,000 entries and on a role prompt of 200 topics, against the
    demo's: each in a fresh process and answered by the warm process; both must hold."""
    run = _run_module(bench)
    demo = _demo(bench, "scale-demo")
    topics = 200 if bench.sizes.rounds > 1 else 20
    many_topics = _demo(bench, "scale-topics")
    write_topics_prompt(many_topics, topics)
    command = [*_cli(), "--epic", DEMO_EPIC, "status", "--json"]
    places = {"demo": demo, "entries": bench.big_session, "topics": many_topics}
    got: dict[str, list[float]] = {f"{p}{k}": [] for p in ("", "warm_") for k in places}
    with _Warm(bench, demo) as warm:
        for _ in range(_rounds(bench)):
            for prefix, env in (("", _cold(bench)), ("warm_", warm)):
                for key, where in places.items():
                    got[f"{prefix}{key}"].append(_timed(command, where, env, ok=(0, 1))[0])
    med = {k: statistics.median(v) for k, v in got.items()}
    ratio = {k: med[k] / med[("warm_" if k.startswith("warm_") else "") + "demo"] for k in med}
    entries = bench.sizes.session_entries
    return run.Row(
        f"status on a session of {entries:,} entries and on a role prompt of {topics} topics",
        f"{ratio['entries']:.2f}x and {ratio['topics']:.2f}x the demo's in a fresh process ({run.ms(med['entries'])}, "
        f"{run.ms(med['topics'])} against {run.ms(med['demo'])}); {ratio['warm_entries']:.2f}x and {ratio['warm_topics']:.2f}x "
        f"answered by the warm process ({run.ms(med['warm_entries'])}, {run.ms(med['warm_topics'])} against "
        f"{run.ms(med['warm_demo'])}); medians of {len(got['demo'])}, taking turns",
        "<= 2x the demo's, each", max(ratio[k] for k in ("entries", "topics", "warm_entries", "warm_topics")) <= 2, got,
    )
