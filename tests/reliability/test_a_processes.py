"""A: crash safety across processes: signals, crashes, two writers, hostile folders, plan vs commit."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.errors import SessionError, SessionLocked
from planner_tui.core.storage.files import atomic_write_text
from planner_tui.demo import DEMO_EPIC


def texts(session) -> list[str]:
    return [e.text for t in session.topics for e in t.entries]


def reopen(project: Path) -> Planner:
    return Planner.open(project, epic=DEMO_EPIC)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


# ---------------------------------------------------------------------------------------- A5

_WAIT_CHILD = r"""
import sys, time
from pathlib import Path
from planner_tui.core.engine import Planner
pl = Planner.open(Path(sys.argv[1]), epic=sys.argv[2])
pl.add(1, "note", sys.argv[3])
print("saved", flush=True)
time.sleep(60)
"""

SIGNALS = [signal.SIGHUP, signal.SIGTERM, signal.SIGINT]


def _default_sigint() -> None:
    """Give a child SIGINT as a terminal gives it. A suite started in the background by a shell
    without job control (`pytest &` in a script) ignores SIGINT, and an ignored signal stays
    ignored across exec: the child would never see the Ctrl+C these tests send."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_A5_signal_to_an_engine_process_keeps_the_entry(demo_project, child_env, sig):
    """A process that added an entry through the engine is sent SIGHUP, SIGTERM or SIGINT: it exits at
    once and the entry is on disk, because every change is saved before the call returns."""
    text = f"entry before {sig.name}"
    child = subprocess.Popen([sys.executable, "-c", _WAIT_CHILD, str(demo_project), DEMO_EPIC, text],
                             env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_default_sigint)
    assert child.stdout.readline().strip() == "saved"
    child.send_signal(sig)
    child.communicate(timeout=5)
    assert child.returncode != 0
    pl = reopen(demo_project)
    assert texts(pl.session) == [text]
    assert not pl.store.path.with_name(pl.store.path.name + ".lock.holder").exists()  # no hold left


def _pty_workbench(project: Path, child_env: dict[str, str]):
    import fcntl
    import pty
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - replaced by the app
        _default_sigint()
        os.environ.clear()
        os.environ.update({**child_env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"})
        os.execv(sys.executable, [sys.executable, "-m", "planner_tui", "--project", str(project), "--epic", DEMO_EPIC])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    return pid, fd


def _drain(fd: int, seconds: float) -> bytes:
    import select

    out, end = b"", time.monotonic() + seconds
    while time.monotonic() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_A5_signal_to_the_workbench_under_a_pty_keeps_the_typed_entry(planner, child_env, sig):
    """The real workbench runs under a pseudo-terminal; an entry is typed in the composer and Enter
    pressed, then the terminal is "closed" (SIGHUP), or SIGTERM or SIGINT arrives: the app exits within
    seconds and, after a restart, the entry is there."""
    planner.add(1, "note", "seed entry")
    project, text = planner.project.root, f"typed then {sig.name}"
    pid, fd = _pty_workbench(project, child_env)
    try:
        screen, start = b"", time.monotonic()
        while b"Domain" not in screen and time.monotonic() - start < 20:
            screen += _drain(fd, 0.1)
        assert b"Domain" in screen, "the workbench did not come up"
        _drain(fd, 0.5)
        os.write(fd, text.encode())
        _drain(fd, 0.3)
        os.write(fd, b"\r")
        start = time.monotonic()
        while text not in planner.store.path.read_text() and time.monotonic() - start < 10:
            _drain(fd, 0.1)
        os.kill(pid, sig)
        start, done = time.monotonic(), 0
        while not done and time.monotonic() - start < 5:
            done, _ = os.waitpid(pid, os.WNOHANG)
            _drain(fd, 0.05)
        assert done, f"the workbench did not exit within 5 s of {sig.name}"
    finally:
        if not locals().get("done"):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert texts(reopen(project).session) == ["seed entry", text]


# ---------------------------------------------------------------------------------------- A6

_CRASH_CHILD = r"""
import sys
from pathlib import Path
from planner_tui.core.engine import Planner
pl = Planner.open(Path(sys.argv[1]), epic=sys.argv[2])
pl.add(1, "decision", "saved before the crash")
raise RuntimeError("a bug right after the change")
"""


def test_A6_unhandled_exception_after_a_change_in_a_real_process(demo_project, run_python):
    """A process that hits an unhandled exception right after a change exits with the traceback, and the
    change is on disk: it was saved before the call returned."""
    proc = run_python(_CRASH_CHILD, str(demo_project), DEMO_EPIC, check=False)
    assert proc.returncode == 1 and "a bug right after the change" in proc.stderr
    assert texts(reopen(demo_project).session) == ["saved before the crash"]


def test_A6_workbench_handler_raising_after_a_change_exits_with_the_change_saved(drive, monkeypatch):
    """In the real workbench (Pilot), the screen's refresh after adding an entry raises: Textual exits the
    app with return code 1, and the entry typed just before is in the session file."""
    app = drive.app()

    async def main() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await drive.workbench(pilot)

            def boom(self, *args, **kwargs):
                raise RuntimeError("widget bug after the save")

            monkeypatch.setattr(type(screen), "refresh_view", boom)
            await drive.write(pilot, "typed just before the widget bug")
            await pilot.pause()

    try:
        asyncio.run(main())
    except Exception as exc:  # run_test may re-raise the app's exception (WorkerFailed: the change worker's)
        assert "widget bug" in str(exc)
    assert app.return_code == 1
    assert "typed just before the widget bug" in texts(reopen(drive.project).session)


# ---------------------------------------------------------------------------------------- A7

_ADDER = r"""
import sys, time
from pathlib import Path
from planner_tui.core.engine import Planner
project, epic, name, start = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
pl = Planner.open(project, epic=epic, author="agent")
while time.time() < start:
    time.sleep(0.001)
for i in range(25):
    pl.add(1 + i % 10, "note", f"{name}-{i}")
"""


def test_A7_two_real_processes_writing_one_session_keep_every_entry(demo_project, child_env):
    """Two processes add 25 entries each to the same session at the same moment: all 50 are kept, each
    process's entries in its own order, the revision counts every save, no lock is left; writers
    merge under a short lock instead of refusing or overwriting."""
    start = f"{time.time() + 1.0:.3f}"
    procs = [subprocess.Popen([sys.executable, "-c", _ADDER, str(demo_project), DEMO_EPIC, name, start],
                              env=child_env, stderr=subprocess.PIPE, text=True) for name in ("left", "right")]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    pl = reopen(demo_project)
    got = texts(pl.session)
    for name in ("left", "right"):
        mine = sorted((t for t in got if t.startswith(name)), key=lambda t: int(t.split("-")[1]))
        assert mine == [f"{name}-{i}" for i in range(25)]
    assert len(got) == 50 and pl.session.revision >= 50
    assert not pl.store.path.with_name(pl.store.path.name + ".lock.holder").exists()  # no hold left


def test_A7_workbench_and_agent_command_line_merge_never_overwrite(planner, child_env):
    """The workbench holds the session in memory while the agent's real `planner-tui add` writes to it:
    the workbench's next change re-reads under the lock, so both entries are kept, and refresh shows
    the agent's entry."""
    question = planner.add(1, "question", "Do we keep photo EXIF data?")
    viewer = reopen(planner.project.root)  # a second window that only shows the session
    cli = subprocess.run(
        [sys.executable, "-m", "planner_tui", "answer", question.id, "Strip it, keep only the timestamp.",
         "--project", str(planner.project.root), "--epic", DEMO_EPIC, "--as", "agent"],
        env=child_env, capture_output=True, text=True, timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert viewer.refresh() is True and texts(viewer.session)[-1] == "Strip it, keep only the timestamp."
    planner.add(2, "decision", "Annotations are a JSON column on photos.")
    final = texts(reopen(planner.project.root).session)
    assert final == ["Do we keep photo EXIF data?", "Strip it, keep only the timestamp.", "Annotations are a JSON column on photos."]
    assert texts(planner.session) == final


_HOLDER = r"""
import sys, time
from pathlib import Path
from planner_tui.core.storage.lock import LockFile
lock = LockFile(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_A7_a_live_lock_is_named_a_killed_holders_lock_is_free_at_once(planner, child_env):
    """While another live process holds the session lock beyond the wait, a change is refused with a
    message naming that pid and host (from the note beside the lock) and the file is untouched; once
    that process is SIGKILLed the kernel frees its lock at once and the next change goes through."""
    planner.add(1, "note", "before")
    lock = planner.store.path.with_name(planner.store.path.name + ".lock")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(lock)], env=child_env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert lock.with_name(lock.name + ".holder").read_text().split()[:2] == [str(holder.pid), socket.gethostname()]
        before = planner.store.path.read_bytes()
        planner.store.lock_timeout = 0.3
        with pytest.raises(SessionLocked, match=rf"locked by process {holder.pid} on this host"):
            planner.add(1, "note", "while locked")
        assert planner.store.path.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    planner.add(1, "note", "after the kill")
    assert texts(reopen(planner.project.root).session) == ["before", "after the kill"] and not lock.with_name(lock.name + ".holder").exists()


# ---------------------------------------------------------------------------------------- A8


@pytest.mark.skipif(shutil.which("sed") is None, reason="sed is not installed")
def test_A8_change_made_on_disk_by_another_tool_is_merged_not_clobbered(planner):
    """`sed -i` (another tool) rewrites the session file behind the running engine: the next change
    re-reads the file under the lock and applies to it, so the tool's edit and the new entry are both
    kept; nothing is silently overwritten (the product merges rather than asking)."""
    planner.add(1, "decision", "Photos are stored on S3.")
    subprocess.run(["sed", "-i", "s/stored on S3/stored on the local disk/", str(planner.store.path)], check=True)
    planner.add(2, "decision", "Annotations are versioned.")
    final = texts(reopen(planner.project.root).session)
    assert final == ["Photos are stored on the local disk.", "Annotations are versioned."]
    assert texts(planner.session) == final


def test_A8_read_only_project_gives_a_clear_error_and_keeps_memory(planner, mounts):
    """With the project folder mounted read-only (root cannot write either), opening still works and a
    change fails with "Session NOT saved: Read-only file system", the file and the in-memory session
    unchanged; a project with no session yet fails the same way on its first entry."""
    planner.add(1, "note", "written before the remount")
    fresh = Planner.open(planner.project.root, epic="004_offline-sync")
    old, memory = planner.store.path.read_bytes(), planner.session.model_dump_json()
    mounts.read_only(planner.project.root)
    with pytest.raises(SessionError, match=r"^Session NOT saved: .*Read-only file system"):
        planner.add(1, "note", "typed on a read-only disk")
    assert planner.store.path.read_bytes() == old and planner.session.model_dump_json() == memory
    assert texts(reopen(planner.project.root).session) == ["written before the remount"]
    with pytest.raises(SessionError, match=r"Session NOT saved: .*Read-only file system"):
        fresh.add(1, "note", "first entry on a read-only disk")


def test_A8_symlinked_state_folder_session_file_and_plan_folder_keep_their_links(planner, tmp_path, monkeypatch):
    """`.planner-tui` as a symlink, the session file as a symlink, and `.task-master` as a symlink: every
    write lands in the resolved target, the links stay links, and the folder fsync hits the target's
    real folder."""
    root = planner.project.root
    real_state = tmp_path / "state-elsewhere"
    real_state.mkdir()
    (root / ".planner-tui").symlink_to(real_state, target_is_directory=True)
    planner.add(1, "note", "through a linked state folder")
    assert (root / ".planner-tui").is_symlink()
    real_file = real_state / "sessions" / DEMO_EPIC / "03-backend.json"
    assert texts(reopen(root).session) == ["through a linked state folder"] and real_file.is_file()

    moved = tmp_path / "real-session.json"
    shutil.move(real_file, moved)
    real_file.symlink_to(moved)
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd))[1])
    planner.add(1, "note", "through a linked file")
    assert real_file.is_symlink() and "through a linked file" in moved.read_text()
    assert synced[-1] == str(tmp_path) and Path(synced[-2]).parent == tmp_path

    real_tm = tmp_path / "task-master-elsewhere"
    shutil.move(root / ".task-master", real_tm)
    (root / ".task-master").symlink_to(real_tm, target_is_directory=True)
    synced.clear()
    atomic_write_text(root / planner.plan_path, planner.render())
    rel = Path(planner.plan_path).relative_to(".task-master")
    assert (root / ".task-master").is_symlink() and (real_tm / rel).read_text() == planner.render()
    assert synced[-1] == str((real_tm / rel).parent)


# ---------------------------------------------------------------------------------------- A9

_COMMIT_KILLED = r"""
import os, signal, sys
from pathlib import Path
from planner_tui.core import engine
from planner_tui.core.git import commits
pl = engine.Planner.open(Path(sys.argv[1]), epic=sys.argv[2])
commits.commit_path = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
pl.commit()
"""


def test_A9_kill_between_plan_write_and_commit_is_detected_and_committed_once(planner, make_ready, run_python):
    """A real process is SIGKILLed after writing the plan, before the commit: HEAD is unchanged, on
    restart `pending_commit()` reports the plan as written but not committed, committing creates
    exactly one commit holding only the plan, and a second commit creates none."""
    make_ready(planner)
    root = planner.project.root
    head = git(root, "rev-parse", "HEAD").strip()
    assert planner.pending_commit() is False
    proc = run_python(_COMMIT_KILLED, str(root), DEMO_EPIC, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert (root / planner.plan_path).read_text() == planner.render()
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert git(root, "status", "--porcelain", "--", planner.plan_path).startswith("??")

    pl = reopen(root)
    assert pl.pending_commit() is True
    outcome = pl.commit()
    assert outcome.created and git(root, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split() == [planner.plan_path]
    assert pl.pending_commit() is False
    again = pl.commit()
    assert again.created is False and git(root, "rev-list", "--count", f"{head}..HEAD").strip() == "1"
