"""One UI measurement in a fresh process (`python ui_child.py SCENARIO JSON-ARGS`); prints one JSON line."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.frames import FrameClock, rss_kb  # noqa: E402

SIZE = (160, 48)
EPIC = "009_photo-annotations"


LIBRARIES = ("pydantic", "planner_tui.core.models", "pygit2", "jinja2", "markdown_it", "watchfiles", "filelock")
"""What planner-tui needs beyond Textual: its data model (pydantic), git, templates, markdown, watching,
the session lock (filelock, a dependency since 2026-12-07: the workbench imports it in its first second)."""


def _bare_app(kind: str):
    if kind == "bare-libs":
        # The floor for planner-tui's stack: the bare app after importing the libraries the
        # workbench cannot start without (nothing of them is used).
        import importlib

        for name in LIBRARIES:
            importlib.import_module(name)
        kind = "bare"
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal, Vertical
    from textual.widgets import Footer, Markdown, Static, TextArea

    document = "\n".join(f"- line {n} of a *small* document with `code`" for n in range(110))

    class Bare(App[None]):
        # `textarea`: a TextArea alone, filling the terminal (the floor the issue measured);
        # `small-textarea`: alone too, at the composer's size (62 x 3 at 160 x 48), for reference.
        CSS = "Horizontal { height: 1fr; } Vertical { width: 1fr; border: round $primary; } .small { width: 62; height: 3; }"

        def compose(self) -> ComposeResult:
            if kind in ("textarea", "small-textarea"):
                yield TextArea(id="area", classes="small" if kind == "small-textarea" else "")
                return
            yield Static("top bar")
            with Horizontal():
                with Vertical():
                    yield Markdown(document) if kind == "naive" else Static("left pane")
                with Vertical():
                    yield Static("middle pane")
                    yield TextArea()
                with Vertical():
                    yield Markdown(document) if kind == "naive" else Static("right pane")
            yield Footer()

    return Bare()


def _our_app(project: str, *, watch: bool = False):
    from planner_tui.factory import make_app
    from planner_tui.settings import Settings

    return make_app(Path(project), epic=EPIC, settings=Settings(cursor_blink=False, watch=watch), watch=watch)


def _full(app) -> bool:
    """The workbench shows its three panes with content: artifacts, discussion, rendered plan.

    The blockers may still say they are being checked (rules, citations, earlier plans and git
    are asked after the first frame): what the person sees is complete and says so."""
    screen = app.screen
    if type(screen).__name__ != "WorkbenchScreen":
        return False
    pane = screen.artifact_pane
    preview = screen.plan_pane.preview
    return (
        screen.plan_current
        and preview.lines_on_screen  # the plan's lines in view are drawn, not only headings
        and bool(pane.tree.artifacts)
        and pane.document.mode != "empty"
    )


def startup(args: dict) -> dict:
    """Seconds from process start (the parent's clock, BENCH_T0) to the first full frame."""
    t0 = float(os.environ["BENCH_T0"])
    kind = args["kind"]
    clock = FrameClock()
    bare = kind in ("bare", "bare-libs", "naive")
    app = _bare_app(kind) if bare else _our_app(args["project"], watch=True)
    result: dict = {}

    def on_frame(_end: float) -> None:
        if "first_full" in result:
            return
        if bare or _full(app):
            result["first_full"] = time.time() - t0
            app.call_later(app.exit)

    clock.watchers.append(on_frame)
    app.run(headless=True, size=SIZE)
    return result


async def _wait(predicate, timeout: float = 30.0) -> None:
    limit = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > limit:
            raise TimeoutError("condition")
        await asyncio.sleep(0.002)


async def _workbench(pilot):
    app = pilot.app
    await _wait(lambda: _full(app))
    await pilot.pause(0.3)
    return app.screen


def _prd(screen, name: str):
    return next(a for a in screen.artifact_pane.tree.artifacts if a.path.endswith(name))


async def _open_document(screen, clock: FrameClock, artifact) -> tuple[float, float]:
    """Open an artifact; (seconds to the first frame showing its text, seconds until it was loaded)."""
    document = screen.artifact_pane.document
    start = time.perf_counter()
    screen.artifact_pane.open(artifact)
    shown: list[float] = []

    def watch(end: float) -> None:
        if not shown and document.artifact is artifact and document.mode != "empty" and document.text:
            shown.append(end)

    clock.watchers.append(watch)
    await _wait(lambda: bool(shown))
    clock.watchers.remove(watch)
    return shown[0] - start, time.perf_counter() - start


async def _keys(pilot, clock: FrameClock, count: int, gap: float) -> list[float]:
    """Type `count` letters the way a terminal driver delivers them (no Pilot waiting, which
    visits every widget and would bill a 70-widget screen for test machinery)."""
    from textual import events

    driver = pilot.app._driver
    latencies = []
    for n in range(count):
        char = "abcdefghij"[n % 10]
        event = events.Key(char, char)
        event.set_sender(pilot.app)
        moment = time.perf_counter()
        driver.send_message(event)
        latencies.append(await clock.frame_after(moment) - moment)
        await asyncio.sleep(gap)
    return latencies


def keys(args: dict) -> dict:
    """Milliseconds from a key press in the editor to the frame that shows it (each of `count` keys)."""
    clock = FrameClock()
    ours = args["kind"] == "ours"
    app = _our_app(args["project"]) if ours else _bare_app(args["kind"])

    async def run() -> list[float]:
        async with app.run_test(size=SIZE) as pilot:
            if ours:
                screen = await _workbench(pilot)
                await _open_document(screen, clock, _prd(screen, args["artifact"]))
                screen.composer.focus()
            else:
                app.query_one("#area").focus()
            await pilot.pause(0.3)
            return await _keys(pilot, clock, args.get("count", 40), 0.02)

    return {"latencies": asyncio.run(run())}


class _PreviewMeter:
    """UI-thread CPU spent on the plan preview after an entry: the snapshot handed to the render
    worker, the handlers that take the rendered plan (and its warnings), and the drawing of the
    plan pane's lines in the frames after them (`spent`). `framed` is the conservative figure:
    the handlers plus each whole frame that follows them, whatever else that frame draws (the
    discussion pane's own update often lands in the same frame)."""

    def __init__(self) -> None:
        from textual.screen import Screen
        from textual.widget import Widget

        from planner_tui.core.engine import Planner
        from planner_tui.screens.workbench.screen import WorkbenchScreen
        from planner_tui.widgets.plan.pane import PlanPane

        self.spent = 0.0
        self.framed = 0.0
        self.armed = False
        meter = self

        def wrap(owner, name, *, arm=False, frame=False, drawing=False):
            original = getattr(owner, name)

            def timed(*args, **kwargs):
                if (frame or drawing) and not meter.armed:
                    return original(*args, **kwargs)
                if drawing and not any(isinstance(n, PlanPane) for n in args[0].ancestors_with_self):
                    return original(*args, **kwargs)
                start = time.thread_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent = time.thread_time() - start
                    if not frame:
                        meter.spent += spent
                    if not drawing:
                        meter.framed += spent
                    if arm:
                        meter.armed = True
                    if frame:
                        meter.armed = False

            setattr(owner, name, timed)

        wrap(Planner, "snapshot")
        # The screen's handler of the rendered plan (its blockers and marks with it).
        wrap(WorkbenchScreen, "on_live_updates_plan_rendered", arm=True)
        wrap(Widget, "render_lines", drawing=True)
        wrap(Screen, "_on_timer_update", frame=True)


def preview(args: dict) -> dict:
    """UI-thread CPU for the plan preview after an entry is added (and for the whole entry)."""
    meter = _PreviewMeter()
    clock = FrameClock()
    app = _our_app(args["project"])

    async def run() -> dict:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _workbench(pilot)
            costs, framed, whole, walls, sections = [], [], [], [], []
            token = os.urandom(4).hex()  # the project may be measured again: text never seen before
            for n in range(args.get("count", 6)):
                text = f"Decision {n} ({token}): annotations keep their author id {n}"
                screen.composer.focus()
                await pilot.pause(0.2)
                screen.composer.insert(text)
                await pilot.pause(0.2)
                done = asyncio.get_running_loop().create_future()

                def watch(end: float, text=text, done=done) -> None:
                    if not done.done() and not screen.plan_pending and text in screen.plan_text:
                        done.set_result(end)

                clock.watchers.append(watch)
                meter.spent, meter.framed, meter.armed = 0.0, 0.0, False
                cpu, start = time.thread_time(), time.perf_counter()
                await pilot.press("enter")
                end = await asyncio.wait_for(done, 30)
                await pilot.pause(0.05)
                whole.append(time.thread_time() - cpu)
                costs.append(meter.spent)
                framed.append(meter.framed)
                walls.append(end - start)
                clock.watchers.remove(watch)
                sections.append(getattr(screen.plan_pane.preview, "updated_sections", None))
            lines = screen.plan_text.count("\n")
            return {"ui_cpu": costs, "with_frames_cpu": framed, "whole_entry_cpu": whole, "wall": walls, "lines": lines, "sections": sections}

    return asyncio.run(run())


def naive_preview(args: dict) -> dict:
    """The naive approach: Markdown.update() of the whole plan, on the UI thread (capped)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Markdown

    text = Path(args["plan"]).read_text(encoding="utf-8")

    class Naive(App[None]):
        def compose(self) -> ComposeResult:
            yield Markdown(id="md")

    async def run() -> float:
        app = Naive()
        async with app.run_test(size=SIZE) as pilot:
            start = time.perf_counter()
            await app.query_one(Markdown).update(text)
            await pilot.pause()
            return time.perf_counter() - start

    return {"seconds": asyncio.run(run())}


def artifact(args: dict) -> dict:
    """Open the big artifact: seconds to its first screenful, and key latencies while it loads."""
    clock = FrameClock()
    app = _our_app(args["project"])

    async def run() -> dict:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _workbench(pilot)
            screen.composer.focus()
            await pilot.pause(0.3)
            typing = asyncio.create_task(_keys(pilot, clock, 25, 0.01))
            await asyncio.sleep(0.005)
            first, loaded = await _open_document(screen, clock, _prd(screen, args["artifact"]))
            latencies = await typing
            return {"first_screen": first, "loaded": loaded, "key_latencies": latencies}

    return asyncio.run(run())


def file_change(args: dict) -> dict:
    """Seconds from a file changing on disk to the frame that shows it: the big PRD the person
    reads (single writes and a burst), and the session file when an agent adds an entry."""
    clock = FrameClock()
    app = _our_app(args["project"], watch=True)
    target = Path(args["project"]) / args["file"]

    async def run() -> dict:
        from planner_tui.core.engine import Planner

        async with app.run_test(size=SIZE) as pilot:
            screen = await _workbench(pilot)
            document = screen.artifact_pane.document
            await _open_document(screen, clock, _prd(screen, target.name))
            await _wait(lambda: screen.watch_ready.is_set())
            await pilot.pause(0.5)
            base = target.read_text(encoding="utf-8")

            async def shown(seen, since: float) -> float:
                await _wait(seen, 10)
                return await clock.frame_after(time.perf_counter()) - since

            single = []
            for n in range(args.get("count", 3)):
                marker = f"single-change-{n}"
                start = time.perf_counter()
                target.write_text(marker + "\n" + base, encoding="utf-8")
                single.append(await shown(lambda m=marker: document.text.startswith(m), start))
                await pilot.pause(0.3)
            for n in range(30):  # a burst: an editor or an agent writing every 10 ms
                target.write_text(f"burst-{n}\n" + base, encoding="utf-8")
                await asyncio.sleep(0.01)
            start = time.perf_counter()
            burst = await shown(lambda: document.text.startswith("burst-29"), start)
            await pilot.pause(0.3)
            agent = Planner.open(Path(args["project"]), epic=EPIC, author="agent")
            topic = screen.topic.id
            session = []
            for n in range(args.get("count", 3)):
                entry = await asyncio.to_thread(agent.add, topic, "note", f"Agent note {n} {os.urandom(3).hex()}")
                start = time.perf_counter()
                state = lambda: screen.thread.state  # noqa: E731
                session.append(await shown(lambda e=entry: state() is not None and any(x.id == e.id for x in state().entries), start))
                await pilot.pause(0.3)
            return {"single": single, "burst": burst, "session": session}

    return asyncio.run(run())


def _timed(fn, samples: list[float], clock=time.thread_time):
    """fn, appending the time each call took (by clock: this thread's CPU by default) to samples."""

    def timed(*args, **kwargs):
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            samples.append(clock() - start)

    return timed


class _SaveMeter:
    """Where the work of a change happens: the composer's handler and the follow-up after the save
    on the UI thread (thread_time), the save itself in the change thread (wall time), and any
    session store write that ran on the UI thread (there should be none)."""

    def __init__(self) -> None:
        import threading

        from planner_tui.core.storage.store import SessionStore
        from planner_tui.screens.workbench.changes import ChangeQueue
        from planner_tui.screens.workbench.screen import WorkbenchScreen

        self.handler: list[float] = []
        self.after: list[float] = []
        self.saves: list[float] = []
        self.ui_store: list[float] = []
        meter = self
        main = threading.main_thread()

        on_submitted = _timed(WorkbenchScreen.on_composer_submitted, self.handler)
        push = ChangeQueue.push

        def timed_push(queue, change, finish):
            return push(queue, _timed(change, meter.saves, time.perf_counter), _timed(finish, meter.after))

        mutate = SessionStore.mutate
        mutate_on_ui = _timed(mutate, self.ui_store)

        def timed_mutate(store, *args, **kwargs):
            # Only the UI thread's session writes are counted (there must be none).
            on_ui = threading.current_thread() is main
            return (mutate_on_ui if on_ui else mutate)(store, *args, **kwargs)

        WorkbenchScreen.on_composer_submitted = on_submitted  # type: ignore[method-assign]
        ChangeQueue.push = timed_push  # type: ignore[method-assign]
        SessionStore.mutate = timed_mutate  # type: ignore[method-assign]


def save_ui(args: dict) -> dict:
    """Entries typed into the composer of a workbench on a session of many entries: after each
    enter the person types on, keys 5 ms apart (the start of the next entry), until the save is
    done and the plan rendered and checked; the first enter comes 0.3 s after the first frame.
    Per change: the UI thread's CPU in the handler and after the save, the save's time in its
    thread, and the time from each key typed during the save and the render to the next frame."""
    from textual import events

    meter = _SaveMeter()
    clock = FrameClock()
    app = _our_app(args["project"])
    count = args.get("count", 10)
    gap = args.get("gap", 0.005)
    words = f"the next decision keeps the author id {os.urandom(3).hex()} "

    async def run() -> dict:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _workbench(pilot)
            screen.composer.focus()
            await pilot.pause(0.3)
            before = sum(len(t.entries) for t in screen.planner.session.topics)
            for samples in (meter.handler, meter.after, meter.saves, meter.ui_store):
                samples.clear()  # opening the workbench is not part of it
            driver = pilot.app._driver
            typed = 0

            def send(key: str, char: str) -> float:
                event = events.Key(key, char)
                event.set_sender(pilot.app)
                moment = time.perf_counter()
                driver.send_message(event)
                return moment

            for char in f"decision 0 {words}":
                send("space" if char == " " else char, char)
                await asyncio.sleep(gap)
            per_change: list[list[float]] = []
            for index in range(count):
                send("enter", "\r")
                await _wait(lambda index=index: len(meter.handler) > index, 10)  # the change is queued
                moments, sent = [], 0
                # Typed on while the change is saved and its plan rendered and checked (a few keys
                # at least: the next entry's text); every one of those keys is timed.
                while not screen.changes.idle or screen.plan_pending or sent < 3:
                    char = words[typed % len(words)]
                    typed, sent = typed + 1, sent + 1
                    busy = not screen.changes.idle or screen.plan_pending
                    moment = send("space" if char == " " else char, char)
                    if busy:
                        moments.append(moment)
                    await asyncio.sleep(gap)
                await _wait(lambda: not screen.plan_pending, 120)
                await pilot.pause(0.1)
                per_change.append([await clock.frame_after(m) - m for m in moments])
            after = sum(len(t.entries) for t in screen.planner.session.topics)
            return {
                "entries_before": before,
                "saved": after - before,
                "handler_cpu": list(meter.handler),
                "after_save_cpu": list(meter.after),
                "save_wall": list(meter.saves),
                "ui_thread_store_cpu": list(meter.ui_store),
                "keys_while_saving": per_change,
            }

    return asyncio.run(run())


def memory(args: dict) -> dict:
    """Resident memory (KB) after the first frame (bare app) or with the big artifact shown (ours).

    Ours runs with file watching on, as a person has it (the library floor imports watchfiles too).
    """
    clock = FrameClock()
    ours = args["kind"] == "ours"
    app = _our_app(args["project"], watch=True) if ours else _bare_app(args["kind"])

    async def run() -> int:
        async with app.run_test(size=SIZE) as pilot:
            if ours:
                screen = await _workbench(pilot)
                await _open_document(screen, clock, _prd(screen, args["artifact"]))
            await pilot.pause(0.5)
            gc.collect()
            return rss_kb()

    return {"rss_kb": asyncio.run(run())}


def memory_breakdown(args: dict) -> dict:
    """The memory row taken apart: RSS by stage, tracemalloc by package and widget (benchmarks/memory_breakdown.py)."""
    from benchmarks.memory_breakdown import run

    return run(args, sys.modules[__name__])


SCENARIOS = {
    "startup": startup,
    "keys": keys,
    "preview": preview,
    "naive_preview": naive_preview,
    "artifact": artifact,
    "file_change": file_change,
    "save_ui": save_ui,
    "memory": memory,
    "memory_breakdown": memory_breakdown,
}

if __name__ == "__main__":
    scenario, raw = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](json.loads(raw))), flush=True)
