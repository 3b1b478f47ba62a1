"""Group G: the real workbench watching the epic while editors, agents and the app itself write files."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import watchfiles
from workbench_kit import past_preparation

EPIC = "009_photo-annotations"
SIZE = (160, 48)
DOC = f".task-master/epics/{EPIC}/02-idea.md"


def make_app(project: Path, **settings):
    from planner_tui import factory
    from planner_tui.settings import Settings

    return factory.make_app(project, epic=EPIC, settings=Settings(cursor_blink=False, preparation=False, **settings), watch=True)


async def until(pilot, predicate, timeout: float = 10.0, what: str = "condition") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Watched:
    """The workbench, watching, with the artifact at DOC open; counts what the watcher made it do."""

    def __init__(self, pilot, screen) -> None:
        self.pilot, self.screen = pilot, screen
        self.reloads: list[str] = []
        """Paths the watcher asked the artifact pane to re-read (one per burst and path)."""
        self.listings = 0
        pane = screen.artifact_pane
        real_reload, real_list = pane.reload, screen.live.list_artifacts

        def reload(path: str) -> bool:
            self.reloads.append(path)
            return real_reload(path)

        def listing() -> None:
            self.listings += 1
            real_list()

        pane.reload = reload
        screen.live.list_artifacts = listing

    @property
    def doc(self):
        return self.screen.artifact_pane.document

    def shown(self) -> str:
        return self.doc.text

    async def wait_text(self, text: str, timeout: float = 5.0) -> None:
        await until(self.pilot, lambda: self.shown() == text, timeout, f"{text[:40]!r} shown")

    async def settle(self, seconds: float = 0.4) -> None:
        await self.pilot.pause(seconds)


async def open_watched(pilot, path: str = DOC) -> Watched:
    screen = await past_preparation(pilot, until)
    await until(pilot, lambda: screen.artifact_pane.tree.artifacts, what="artifacts")
    await until(pilot, lambda: screen.watch_ready.is_set(), what="watcher ready")
    artifact = next(a for a in screen.artifact_pane.tree.artifacts if a.path == path)
    screen.artifact_pane.open(artifact)
    doc = screen.artifact_pane.document
    await until(pilot, lambda: doc.artifact is artifact and doc.text, what="artifact shown")
    watched = Watched(pilot, screen)
    await watched.settle(0.3)
    return watched


def atomic_save(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.swp.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def vim_save(path: Path, text: str) -> None:
    """vim with backupcopy=no: rename the file to `name~`, write a new one, delete the backup."""
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text, encoding="utf-8")
    backup.unlink()


def in_place(path: Path, text: str) -> None:
    with open(path, "r+", encoding="utf-8") as fh:
        fh.truncate(0)
        fh.write(text)


def jetbrains_save(path: Path, text: str) -> None:
    """IntelliJ's safe write: `name___jb_tmp___` written, the old file renamed `___jb_old___`, swapped."""
    tmp, old = path.with_name(path.name + "___jb_tmp___"), path.with_name(path.name + "___jb_old___")
    tmp.write_text(text, encoding="utf-8")
    os.rename(path, old)
    os.rename(tmp, path)
    old.unlink()


def sed_save(path: Path, text: str) -> None:
    subprocess.run(["sed", "-i", f"1s/.*/{text.splitlines()[0]}/", str(path)], check=True)


def test_G1_every_editor_save_pattern_reloads_the_open_artifact_once(demo_project):
    """With the artifact open in the workbench, an atomic save, a vim-style save (rename to `~`, write
    new), an in-place write, a JetBrains `___jb_tmp___` save and `sed -i` each make exactly one reload
    showing the final content, whichever events arrive (`added`, `deleted`+`added`, `modified`)."""
    if shutil.which("sed") is None:
        pytest.skip("sed is not installed")
    path = demo_project / DOC
    saves = [("atomic", atomic_save), ("vim", vim_save), ("in-place", in_place), ("jetbrains", jetbrains_save), ("sed", sed_save)]
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            w = await open_watched(pilot)
            for name, save in saves:
                w.reloads.clear()
                final = f"saved by {name}"
                save(path, final + "\n")
                await w.wait_text(final + "\n")
                await w.settle(0.5)  # a second, late batch would show up here
                assert w.reloads.count(DOC) == 1, (name, w.reloads)  # sed's own temp file may be listed too

    asyncio.run(scenario())


def test_G2_ten_consecutive_saves_are_each_seen(demo_project):
    """Ten atomic saves in a row, each after the previous one was shown (0.3 s apart): ten reloads, each
    showing its save; the watch never goes deaf after the first atomic replace."""
    path = demo_project / DOC
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            w = await open_watched(pilot)
            for i in range(10):
                atomic_save(path, f"save {i}\n")
                await w.wait_text(f"save {i}\n")
                await w.settle(0.3)
            assert w.reloads.count(DOC) == 10, w.reloads

    asyncio.run(scenario())


@pytest.mark.slow
def test_G3_a_burst_and_a_slow_stream_end_on_the_final_content(demo_project):
    """200 writes within a second are shown as a handful of reloads, never one per write: at most one per
    `WATCH_MAX_BATCH_MS` of burst (the workbench's latency promise) plus two, and the last write is what
    is shown; a 1 MB file streamed in 4 KB chunks with 10 ms pauses ends shown whole, never truncated."""
    from planner_tui.screens.workbench.live import WATCH_MAX_BATCH_MS

    def most(seconds: float) -> int:
        return int(seconds * 1000 / WATCH_MAX_BATCH_MS) + 2

    path = demo_project / DOC
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            w = await open_watched(pilot)

            def burst() -> None:
                for i in range(200):
                    path.write_text(f"burst {i}\n", encoding="utf-8")
                    time.sleep(0.004)

            writer = threading.Thread(target=burst)
            began = time.monotonic()
            writer.start()
            while writer.is_alive():
                await pilot.pause(0.05)
            took = time.monotonic() - began
            await w.wait_text("burst 199\n")
            await w.settle(0.6)
            # Bounded by the burst's length (a loaded machine stretches it), and never one per write.
            assert 1 <= w.reloads.count(DOC) <= min(most(took), 100), (took, w.reloads.count(DOC))
            w.reloads.clear()
            chunk = ("0123456789abcdef" * 255 + "\n").encode()  # 4 KB lines
            whole = chunk * 256

            def stream() -> None:
                with open(path, "wb") as fh:
                    for i in range(256):
                        fh.write(chunk)
                        fh.flush()
                        time.sleep(0.01)

            writer = threading.Thread(target=stream)
            began = time.monotonic()
            writer.start()
            while writer.is_alive():
                await pilot.pause(0.05)
            took = time.monotonic() - began
            await w.wait_text(whole.decode(), timeout=10)
            await w.settle(0.5)
            assert w.shown() == whole.decode()
            assert w.reloads.count(DOC) <= most(took), (took, w.reloads.count(DOC))

    asyncio.run(scenario())


def test_G4_deleted_file_and_removed_or_renamed_epic_folder(demo_project):
    """(a) The open artifact deleted shows "missing" at once, and its new content when recreated. (b) The
    whole epic folder removed (`rm -rf`) and recreated with a new file: the new file is listed and the open
    artifact reloads, so the watch did not go deaf. (c) The epic folder renamed: the workbench says "moved or
    removed" and keeps running, and says it is back when the name returns."""
    epic_dir = demo_project / ".task-master" / "epics" / EPIC
    path = demo_project / DOC
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            w = await open_watched(pilot)
            header = w.doc.query_one("#doc-header")
            path.unlink()
            await until(pilot, lambda: w.doc.mode == "empty", what="missing shown")
            assert "missing" in str(header.render()).lower() or "not found" in str(header.render()).lower()
            path.write_text("recreated\n", encoding="utf-8")
            await w.wait_text("recreated\n")
            # (b) rm -rf and recreate with a new file.
            backup = demo_project / "epic-copy"
            shutil.copytree(epic_dir, backup)
            shutil.rmtree(epic_dir)
            await pilot.pause(0.4)
            shutil.copytree(backup, epic_dir)
            (epic_dir / "07-new-notes.md").write_text("# New notes\n", encoding="utf-8")
            atomic_save(path, "after rm -rf\n")
            tree = w.screen.artifact_pane.tree
            await until(pilot, lambda: any(a.path.endswith("07-new-notes.md") for a in tree.artifacts), what="new file listed")
            await w.wait_text("after rm -rf\n")
            # (c) rename the epic folder away and back.
            moved = epic_dir.with_name(EPIC + "-moved")
            os.rename(epic_dir, moved)
            await until(pilot, lambda: any("moved or removed" in str(n.message) for n in app._notifications), what="moved notice")
            assert app.is_running and app.return_code is None
            os.rename(moved, epic_dir)
            await until(pilot, lambda: any("is back" in str(n.message) for n in app._notifications), what="back notice")
            atomic_save(path, "after the rename\n")
            await w.wait_text("after the rename\n")

    asyncio.run(scenario())


def test_G5_the_apps_own_writes_cause_no_reload(demo_project):
    """For 5 s the person adds an entry every 0.4 s (each a session save with temp, lock and backup
    files): the watcher makes no artifact reload and no re-listing, and the session poll sees no
    "external" change (no redraw loop); an agent's entry afterwards is still picked up."""
    from planner_tui.core.engine import Planner

    app = make_app(demo_project, poll_interval=0.2)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            w = await open_watched(pilot)
            screen = w.screen
            planner = screen.planner
            external = []
            real_refresh = planner.refresh

            def refresh() -> bool:
                changed = real_refresh()
                if changed:
                    external.append(time.monotonic())
                return changed

            planner.refresh = refresh
            end, count = time.monotonic() + 5, 0
            while time.monotonic() < end:
                screen.composer.focus()
                screen.composer.insert(f"typed {count}")
                await pilot.press("enter")
                count += 1
                await pilot.pause(0.4)
            await w.settle(0.6)
            assert count >= 5  # one every 0.4 s, fewer on a busy machine
            assert w.reloads == [] and w.listings == 0 and external == [], (w.reloads, w.listings, external)
            Planner.open(demo_project, epic=EPIC, author="agent").add(screen.topic.id, "note", "from the agent")
            await until(pilot, lambda: external, what="agent's entry seen")

    asyncio.run(scenario())


def test_G6_forced_polling_still_detects_changes(demo_project, monkeypatch):
    """With WATCHFILES_FORCE_POLLING=1 (WSL, network and Docker mounts) every watcher polls, and an
    edit of the open artifact is still shown within about a second."""
    modes: list[bool] = []
    real = watchfiles.main.RustNotify

    def recording(paths, debug, force_polling, *rest):
        modes.append(force_polling)
        return real(paths, debug, force_polling, *rest)

    monkeypatch.setattr(watchfiles.main, "RustNotify", recording)
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "1")
    path = demo_project / DOC
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            w = await open_watched(pilot)
            start = time.monotonic()
            atomic_save(path, "polled\n")
            await w.wait_text("polled\n", timeout=3)
            assert time.monotonic() - start < 2.0

    asyncio.run(scenario())
    assert modes and all(modes)


def test_G6_watcher_failure_says_live_reload_disabled_and_polls(demo_project, monkeypatch):
    """The OS watcher fails as it does when `fs.inotify.max_user_watches` is used up (ENOSPC): the
    workbench shows "Live reload disabled: …" with the reason, switches to polling, and an edit of the
    open artifact is still shown; the rest of the app works."""
    real = watchfiles.main.RustNotify

    def limited(paths, debug, force_polling, *rest):
        if not force_polling:
            raise OSError(errno.ENOSPC, "OS file watch limit reached")
        return real(paths, debug, force_polling, *rest)

    monkeypatch.setattr(watchfiles.main, "RustNotify", limited)
    path = demo_project / DOC
    app = make_app(demo_project)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            w = await open_watched(pilot)
            said = [str(n.message) for n in app._notifications if "Live reload disabled" in str(n.message)]
            assert len(said) == 1 and "OS file watch limit reached" in said[0] and "polling" in said[0]
            atomic_save(path, "seen by polling\n")
            await w.wait_text("seen by polling\n", timeout=4)
            w.screen.composer.focus()
            w.screen.composer.insert("still works")
            await pilot.press("enter")
            await until(pilot, lambda: "still works" in [e.text for e in w.screen.planner.session.topics[0].entries], what="entry")

    asyncio.run(scenario())


def test_G6_quitting_while_watching_exits_within_a_second(demo_project):
    """ctrl+q while the watcher thread is blocked waiting for events: the app is gone within about a
    second and no watcher thread is left running."""
    app = make_app(demo_project)
    before = set(threading.enumerate())
    elapsed = {}

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_watched(pilot)
            await pilot.pause(0.3)
            elapsed["start"] = time.monotonic()
            await pilot.press("ctrl+q")
            await until(pilot, lambda: not app.is_running, timeout=3, what="exit")
        elapsed["end"] = time.monotonic()

    asyncio.run(scenario())
    end = time.monotonic() + 1.0
    while time.monotonic() < end and [t for t in threading.enumerate() if t not in before and t.is_alive()]:
        time.sleep(0.05)
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert elapsed["end"] - elapsed["start"] < 1.5, elapsed
    assert left == [], left
