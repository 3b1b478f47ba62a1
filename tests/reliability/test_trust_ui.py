"""The workbench's side of trust: banners, the recovery dialog, crash and pending-commit notices, git questions."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pygit2
import pytest

from planner_tui.core.engine import Planner
from workbench_kit import past_preparation

EPIC = "009_photo-annotations"
SIZE = (160, 48)


def texts(session) -> list[str]:
    return [e.text for t in session.topics for e in t.entries]


def reopen(project: Path) -> Planner:
    return Planner.open(project, epic=EPIC)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def plain(widget) -> str:
    """What a Static shows, as plain text."""
    return str(widget.render())


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


async def until(pilot, predicate, timeout: float = 10.0, what: str = "condition") -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def to_workbench(pilot):
    """Close the preparation view (a new session opens on it) and return the workbench."""
    screen = await past_preparation(pilot, until)
    await until(pilot, lambda: not screen.plan_pending, what="plan rendered")
    return screen


async def type_entry(pilot, screen, text: str) -> None:
    screen.composer.focus()
    await pilot.pause()
    screen.composer.insert(text)
    await pilot.press("enter")
    await until(pilot, lambda: screen.changes.idle, what="change saved")  # saved in its thread


def dead_pid() -> int:
    """The pid of a process that has finished (what a killed writer leaves in its temp file's name)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# ---------------------------------------------------------------------------------------- A3


def test_A3_banner_says_session_not_saved_until_a_later_save_succeeds(planner, drive, mounts):
    """On a real full disk (a filled tmpfs under `.planner-tui`), pressing Enter in the workbench shows a
    persistent red banner "Session NOT saved: No space left on device" (not only a toast), the typed text
    stays in the composer and the file is unchanged; once space is freed, Enter again saves it and the
    banner goes away."""
    state = mounts.tmpfs(planner.project.root / ".planner-tui", size="256k")
    for i in range(20):
        planner.add(2, "note", f"long note {i} " + "y" * 1500)
    filler = state / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - 8192))
    before = planner.store.path.read_bytes()
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await to_workbench(pilot)
            banner = screen.query_one("#trust-banner")
            assert not banner.display
            await type_entry(pilot, screen, "typed while the disk was full")
            assert banner.display and "Session NOT saved: No space left on device" in plain(banner)
            assert screen.composer.text == "typed while the disk was full"
            await pilot.pause(1.2)  # outlives a toast's blink: the banner stays
            assert banner.display
            assert planner.store.path.read_bytes() == before
            filler.unlink()
            screen.composer.focus()
            await pilot.press("enter")
            await until(pilot, lambda: not banner.display, what="banner cleared")
            assert screen.composer.text == ""
        assert app.return_code in (0, None)

    asyncio.run(scenario())
    assert texts(reopen(planner.project.root).session).count("typed while the disk was full") == 1


# ---------------------------------------------------------------------------------------- A4


def test_A4_orphans_at_start_open_an_attention_dialog_with_a_diff(planner):
    """Leftover temp files of killed saves at start: the truncated one is moved aside as
    `.corrupt-<ts>` byte for byte, the valid newer one is offered in an ATTENTION dialog that shows what
    it adds; recovering it (r) makes it the session, keeps the replaced file, and deletes nothing."""
    planner.add(1, "decision", "kept decision")
    path = planner.store.path
    newer = json.loads(path.read_text())
    newer["revision"] += 5
    newer["topics"][0]["entries"].append({**newer["topics"][0]["entries"][0], "id": "e-orphan", "text": "only in the orphan"})
    valid = path.parent / f".{path.name}.{dead_pid()}.0123abcd.tmp"
    valid.write_text(json.dumps(newer), encoding="utf-8")
    truncated = path.parent / f".{path.name}.{dead_pid()}.89abcdef.tmp"
    truncated.write_bytes(path.read_bytes()[:40])
    cut_bytes = truncated.read_bytes()
    from planner_tui.factory import make_app

    app = make_app(planner.project.root, epic=EPIC, watch=False)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "RecoveryDialog" and bool(app.screen.query("#recovery-body")), what="recovery dialog")
            body = plain(app.screen.query_one("#recovery-body"))
            assert "ATTENTION" in plain(app.screen.query_one("#recovery-title"))
            assert valid.name in body and "+ decision: only in the orphan" in body
            assert "Nothing has been deleted" in body
            await pilot.press("r")
            screen = await to_workbench(pilot)
            assert "only in the orphan" in texts(screen.planner.session)

    asyncio.run(scenario())
    session = reopen(planner.project.root).session
    assert texts(session) == ["kept decision", "only in the orphan"]
    assert valid.exists()  # recovered, not deleted
    corrupt = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert [p.read_bytes() for p in corrupt] == [cut_bytes]
    assert any(".replaced-" in p.name for p in path.parent.iterdir())


# ---------------------------------------------------------------------------------------- B1


@pytest.mark.parametrize("choice", ["backup", "fresh"])
def test_B1_corrupt_session_at_start_offers_the_newest_backup(planner, choice):
    """After 10 saves and a manual corruption, the workbench opens (no traceback) on a dialog naming the
    error and the file it was moved to, offering the newest valid backup with its entries: `b` restores
    it, escape starts fresh; either way the corrupt file is kept untouched as `.corrupt-<ts>`."""
    planner.store.backup_interval = 0  # a backup on every save
    for i in range(10):
        planner.add(1, "note", f"note {i}")
    path = planner.store.path
    broken = path.read_bytes()[:-30]
    path.write_bytes(broken)
    from planner_tui.factory import make_app

    app = make_app(planner.project.root, epic=EPIC, watch=False)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "RecoveryDialog" and bool(app.screen.query("#recovery-body")), what="recovery dialog")
            body = plain(app.screen.query_one("#recovery-body"))
            assert "could not be read" in body and "invalid JSON at line" in body and ".corrupt-" in body
            assert "Newest valid backup: " in body and "+ note: note 8" in body, body
            await pilot.press("b" if choice == "backup" else "escape")
            await to_workbench(pilot)
        assert app.return_code in (0, None)

    asyncio.run(scenario())
    [corrupt] = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert corrupt.read_bytes() == broken
    if choice == "backup":
        assert texts(reopen(planner.project.root).session) == [f"note {i}" for i in range(9)]
    else:
        assert not path.exists()  # a fresh start writes nothing until the first entry


# ---------------------------------------------------------------------------------------- A6

_CRASHING_APP = r"""
import asyncio, sys
from pathlib import Path
from planner_tui.factory import make_app
from planner_tui.screens.workbench.screen import WorkbenchScreen

app = make_app(Path(sys.argv[1]), epic=sys.argv[2], watch=False)

async def main():
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(200):
            if isinstance(app.screen, WorkbenchScreen) and not app.screen.plan_pending and isinstance(app.running_marker, Path):
                break
            await pilot.pause(0.05)
        screen = app.screen
        def boom(*args, **kwargs):
            raise RuntimeError("widget bug after the save")
        screen.composer.insert("saved before the crash")
        screen.refresh_view = boom
        await pilot.press("enter")
        await pilot.pause(0.5)

try:
    asyncio.run(main())
except RuntimeError:
    pass
sys.exit(app.return_code or 0)
"""


def test_A6_next_start_says_the_previous_session_ended_unexpectedly(planner, run_python):
    """A real workbench process crashes on an unhandled exception right after an entry was saved: its
    crash marker stays in `.planner-tui/running/`. The next start shows "The previous session ended
    unexpectedly" with the entry there; a clean quit leaves no marker, so the notice is not repeated."""
    planner.add(1, "note", "seed")  # the state folder exists, so the run is marked at start
    proc = run_python(_CRASHING_APP, str(planner.project.root), EPIC, check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    markers = planner.project.root / ".planner-tui" / "running"
    assert len(list(markers.iterdir())) == 1
    from planner_tui.factory import make_app

    for attempt in (1, 2):
        app = make_app(planner.project.root, epic=EPIC, watch=False)

        async def scenario() -> None:
            async with app.run_test(size=SIZE) as pilot:
                screen = await to_workbench(pilot)
                assert "saved before the crash" in texts(screen.planner.session)
                # The start checks run in a worker: wait for them (bounded) before counting.
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 10
                said: list[str] = []
                while loop.time() < deadline:
                    await app.workers.wait_for_complete()
                    await pilot.pause(0.1)
                    said = [n for n in notes(app) if "ended unexpectedly" in n]
                    if said or attempt == 2:
                        break
                assert len(said) == (1 if attempt == 1 else 0)
                if said:
                    assert "everything it saved is here" in said[0]
                assert len(list(markers.iterdir())) == 1  # this run's own marker
                await pilot.press("ctrl+q")

        asyncio.run(scenario())
        assert list(markers.iterdir()) == []


# ---------------------------------------------------------------------------------------- A9


def test_A9_plan_written_but_not_committed_is_offered_at_start(planner, make_ready, drive):
    """The plan was written but the commit never happened (a crash in between): the next start says
    "Commit pending Backend plan … Press ctrl+s"; ctrl+s then commits it, exactly one new commit."""
    make_ready(planner)
    target = planner.project.root / planner.plan_path
    target.write_text(planner.render(), encoding="utf-8")
    assert planner.pending_commit()
    repo = pygit2.Repository(str(planner.project.root))
    before = repo.head.target
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await to_workbench(pilot)
            await until(pilot, lambda: any("Commit pending Backend plan" in n for n in notes(app)), what="pending notice")
            assert any("Press ctrl+s to commit it" in n for n in notes(app))
            app.screen.query_one("#thread").focus()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: type(app.screen).__name__ == "CommitDialog", what="commit dialog")
            await until(pilot, lambda: not app.screen.busy, what="dialog loaded")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not app.is_running, timeout=15, what="exit after commit")

    asyncio.run(scenario())
    head = repo.head.peel(pygit2.Commit)
    assert head.parents[0].id == before
    assert not reopen(planner.project.root).pending_commit()


# ---------------------------------------------------------------------------------------- B3


def test_B3_newer_schema_opens_with_a_read_only_banner_and_writes_nothing(planner, drive):
    """A session written by a newer planner-tui opens with a READ-ONLY banner giving the reason, the
    composer disabled; trying to confirm a topic is refused, and after the whole UI session the file's
    bytes are unchanged."""
    planner.add(1, "decision", "from the future")
    path = planner.store.path
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    data["future_field"] = {"kept": True}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    before = path.read_bytes()
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await to_workbench(pilot)
            banner = screen.query_one("#trust-banner")
            assert banner.display
            shown = plain(banner)
            assert shown.startswith("READ-ONLY: ") and "upgrade planner-tui" in shown
            assert screen.composer.disabled
            screen.query_one("#thread").focus()
            await pilot.press("ctrl+o", "]", "ctrl+o")
            await pilot.pause()
            assert any("read-only" in n for n in notes(app))
            await pilot.press("ctrl+q")

    asyncio.run(scenario())
    assert path.read_bytes() == before
    assert not (path.parent.parent.parent / "running").exists() or not list((path.parent.parent.parent / "running").iterdir())


# ---------------------------------------------------------------------------------------- C8, C12, C10, C11


async def open_commit_dialog(pilot):
    app = pilot.app
    await to_workbench(pilot)
    app.screen.query_one("#thread").focus()
    await pilot.press("ctrl+s")
    await until(pilot, lambda: type(app.screen).__name__ == "CommitDialog", what="commit dialog")
    dialog = app.screen
    await until(pilot, lambda: not dialog.busy, what="dialog loaded")
    return dialog


def test_C8_detached_head_is_asked_in_the_dialog_and_the_commit_id_shown(planner, make_ready, drive):
    """On a detached HEAD the commit dialog shows "Commit on a detached HEAD (at <sha>)" unchecked;
    committing without it is refused inside the dialog; with it checked the commit is made, its full id
    is shown in the dialog until closed, and no branch moves."""
    make_ready(planner)
    root = planner.project.root
    git(root, "commit", "--allow-empty", "-q", "-m", "second")
    git(root, "checkout", "-q", "--detach", "HEAD~1")
    main_before = git(root, "rev-parse", "main")
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_commit_dialog(pilot)
            box = dialog.query_one("#allow-detached")
            assert box.display and not box.value and "detached HEAD" in str(box.label)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not dialog.busy and dialog.query_one("#error").display, what="refusal")
            assert "HEAD is detached" in plain(dialog.query_one("#error"))
            box.value = True
            await pilot.press("ctrl+s")
            await until(pilot, lambda: dialog.done is not None, timeout=15, what="detached commit")
            sha = git(root, "rev-parse", "HEAD")
            assert f"Commit id: {sha}" in plain(dialog.query_one("#done"))
            assert app.screen is dialog  # stays until the person has seen the id
            await pilot.press("enter")
            await until(pilot, lambda: not app.is_running, timeout=10, what="exit")

    asyncio.run(scenario())
    assert git(root, "rev-parse", "main") == main_before
    assert git(root, "log", "-1", "--format=%s").startswith("Backend plan documented for")


def test_C12_ignored_plan_path_is_asked_in_the_dialog(planner, make_ready, drive):
    """With `roles/` in .gitignore the commit dialog asks "Commit although .gitignore ignores …" (default
    no): without it nothing is committed and the refusal shows in the dialog; with it the plan is
    committed."""
    make_ready(planner)
    root = planner.project.root
    (root / ".gitignore").write_text("roles/\n", encoding="utf-8")
    git(root, "add", ".gitignore")
    git(root, "commit", "-q", "-m", "ignore roles")
    head = git(root, "rev-parse", "HEAD")
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_commit_dialog(pilot)
            box = dialog.query_one("#allow-ignored")
            assert box.display and not box.value
            assert f"ignores {planner.plan_path}" in str(box.label)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not dialog.busy and dialog.query_one("#error").display, what="refusal")
            assert "is ignored by .gitignore" in plain(dialog.query_one("#error"))
            assert git(root, "rev-parse", "HEAD") == head
            box.value = True
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not app.is_running, timeout=15, what="exit after commit")

    asyncio.run(scenario())
    assert git(root, "show", "--name-only", "--format=", "HEAD") == planner.plan_path


def test_C10_hook_refusal_and_the_skip_hooks_box_show_inside_the_dialog(planner, make_ready, drive):
    """A pre-commit hook that exits 1 with "BLOCKED": the refusal and the hook's output show inside the
    commit dialog and nothing is committed; ticking "Skip git hooks" shows the warning and commits."""
    make_ready(planner)
    root = planner.project.root
    hook = root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho BLOCKED\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    head = git(root, "rev-parse", "HEAD")
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_commit_dialog(pilot)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not dialog.busy and dialog.query_one("#error").display, timeout=15, what="refusal")
            assert "BLOCKED" in plain(dialog.query_one("#error"))
            assert git(root, "rev-parse", "HEAD") == head
            dialog.query_one("#no-verify").value = True
            await pilot.pause()
            assert dialog.query_one("#hooks-warning").display
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not app.is_running, timeout=15, what="exit after commit")

    asyncio.run(scenario())
    assert git(root, "rev-parse", "HEAD~1") == head


def test_C11_signing_refusal_shows_inside_the_dialog(planner, make_ready, drive):
    """With `commit.gpgsign=true` and a signing program that fails, the dialog says the repository
    requires signed commits and nothing was committed; the dialog stays open."""
    make_ready(planner)
    root = planner.project.root
    git(root, "config", "commit.gpgsign", "true")
    git(root, "config", "gpg.program", "/bin/false")
    head = git(root, "rev-parse", "HEAD")
    app = drive.app()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_commit_dialog(pilot)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not dialog.busy and dialog.query_one("#error").display, timeout=15, what="refusal")
            said = plain(dialog.query_one("#error"))
            assert "requires signed commits" in said and "nothing was committed" in said
            assert app.screen is dialog

    asyncio.run(scenario())
    assert git(root, "rev-parse", "HEAD") == head
