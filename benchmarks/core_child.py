"""Engine measurements in a fresh process (`python core_child.py SCENARIO JSON-ARGS`); prints one JSON line."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EPIC = "009_photo-annotations"


def save(args: dict) -> dict:
    """Seconds per saved change (`Planner.add`) on a session of many entries, opened fresh."""
    from planner_tui.core.engine import Planner

    started = time.perf_counter()
    planner = Planner.open(Path(args["project"]), epic=EPIC)
    opened = time.perf_counter() - started
    topics = [t.id for t in planner.role.topics]
    times = []
    for n in range(args.get("count", 20)):
        start = time.perf_counter()
        planner.add(topics[n % len(topics)], "note", f"Benchmark note {n}: the agent adds one more entry.")
        times.append(time.perf_counter() - start)
    entries = sum(len(t.entries) for t in planner.session.topics)
    size = planner.store.path.stat().st_size
    return {"times": times, "opened": opened, "entries": entries, "bytes": size}


def render(args: dict) -> dict:
    """The floor of the preview rows: the jinja2 template alone, and the whole render in the engine."""
    from planner_tui.core.engine import Planner
    from planner_tui.core.plan.render import _packaged_environment, plan_context, template_name

    planner = Planner.open(Path(args["project"]), epic=EPIC)
    context = plan_context(planner.role, planner.session, planner.epic.title)
    template = _packaged_environment().get_template(template_name(planner.role))
    jinja = []
    for _ in range(20):
        start = time.perf_counter()
        template.render(context)
        jinja.append(time.perf_counter() - start)
    engine = []
    for _ in range(3):
        start = time.perf_counter()
        text = planner.render()
        planner.blockers(plan_text=text)
        engine.append(time.perf_counter() - start)
    return {"jinja2": statistics.median(jinja), "engine_render_and_checks": statistics.median(engine), "lines": text.count("\n")}


def watch_floor(args: dict) -> dict:
    """Seconds from a write to watchfiles reporting it (the floor of the file-change row)."""
    from watchfiles import watch

    folder = Path(args["folder"])
    target = folder / "watched.md"
    target.write_text("start\n", encoding="utf-8")
    stop = threading.Event()
    seen: list[float] = []
    ready = threading.Event()

    def run() -> None:
        for _changes in watch(folder, stop_event=stop, debounce=1600, step=50, yield_on_timeout=True, rust_timeout=100):
            ready.set()
            if _changes:
                seen.append(time.perf_counter())
            if stop.is_set():
                return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(5)
    time.sleep(0.3)
    latencies = []
    for n in range(3):
        seen.clear()
        start = time.perf_counter()
        target.write_text(f"change {n}\n", encoding="utf-8")
        limit = start + 5
        while not seen and time.perf_counter() < limit:
            time.sleep(0.001)
        if seen:
            latencies.append(seen[0] - start)
        time.sleep(0.2)
    stop.set()
    return {"latencies": latencies}


def commit(args: dict) -> dict:
    """`git commit -q -- path` against planner-tui's commit of the same path, taking turns."""
    from planner_tui.core.git.commits import commit_path

    repo, plan = Path(args["repo"]), args["plan"]
    env = dict(os.environ)

    def git(*cmd: str) -> str:
        return subprocess.run(["git", *cmd], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    target = repo / plan
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("# Plan\n\nfirst version\n", encoding="utf-8")
    git("add", "--", plan)
    git("commit", "-q", "-m", "plan: first version", "--", plan)
    # The person has a change of their own staged: both commits must leave it staged.
    staged = repo / "src" / "mod000" / "part0" / "file000000.php"
    staged.write_text("<?php // edited by the person, staged\n", encoding="utf-8")
    git("add", "--", str(staged.relative_to(repo)))
    ours, theirs = [], []
    for n in range(args.get("rounds", 5)):
        target.write_text(f"# Plan\n\ngit's version {n}\n", encoding="utf-8")
        start = time.perf_counter()
        git("commit", "-q", "-m", f"plan: git {n}", "--", plan)
        theirs.append(time.perf_counter() - start)
        target.write_text(f"# Plan\n\nplanner-tui's version {n}\n", encoding="utf-8")
        start = time.perf_counter()
        commit_path(repo, plan, f"plan: planner-tui {n}")
        ours.append(time.perf_counter() - start)
    status = git("status", "--porcelain")
    committed = git("show", f"HEAD:{plan}")
    consistent = status == "M  src/mod000/part0/file000000.php\n" and "planner-tui's version" in committed
    return {"git": theirs, "ours": ours, "status": status, "consistent": consistent}


def mcp_status(args: dict) -> dict:
    """The `status` tool through the SDK's stdio client against a warm `planner-tui mcp`, and in-process."""
    import anyio
    from mcp import ClientSession, StdioServerParameters, stdio_client

    from planner_tui.agent_server.seat import Seat

    project, calls = args["project"], args.get("calls", 30)
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "planner_tui", "mcp", "--project", project, "--epic", EPIC], env=dict(os.environ), cwd=project
    )

    async def through_the_client() -> list[float]:
        async with stdio_client(params) as streams, ClientSession(*streams) as session:
            await session.initialize()
            for _ in range(3):  # warm: the first calls import and fill caches
                await session.call_tool("status", {})
            times = []
            for _ in range(calls):
                start = time.perf_counter()
                result = await session.call_tool("status", {})
                times.append(time.perf_counter() - start)
                assert not result.is_error, result.content
            return times

    round_trip = anyio.run(through_the_client)
    seat = Seat.open(Path(project), epic=EPIC)
    seat.status()
    local = []
    for _ in range(calls):
        start = time.perf_counter()
        seat.status()
        local.append(time.perf_counter() - start)
    return {"round_trip": round_trip, "in_process": local}


SCENARIOS = {"save": save, "render": render, "watch_floor": watch_floor, "commit": commit, "mcp_status": mcp_status}

if __name__ == "__main__":
    scenario, raw = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](json.loads(raw))), flush=True)
