"""H: processes: locks that die with their holder, the workbench without a terminal, one sentence for every error."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.errors import SessionLocked
from planner_tui.core.storage.crash import previous_crashes
from planner_tui.core.storage.lock import PID_NAMESPACE, LockFile, note_path, read_lock
from planner_tui.demo import DEMO_EPIC


def texts(session) -> list[str]:
    return [e.text for t in session.topics for e in t.entries]


@pytest.fixture
def pid_namespace() -> list[str]:
    """The `unshare` command line that runs a program in a new PID namespace (a container's view of pids)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed, so no PID namespace can be made here")
    cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"]
    probe = subprocess.run([*cmd, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a PID namespace here (needs root or user namespaces): {probe.stderr.strip()[:200]}")
    return cmd


# ---------------------------------------------------------------------------------------- H4

_STUCK_SAVER = r"""
import os, sys, time
from pathlib import Path
from planner_tui.core.engine import Planner
from planner_tui.core.storage.crash import mark_running
pl = Planner.open(Path(sys.argv[1]), epic=sys.argv[2])
mark_running(pl.project.root, pl.epic.folder, pl.role.key)  # as the workbench does at start
real_replace = os.replace
def stall(src, dst):
    if str(dst).endswith(".json"):  # caught between writing the session's temp file and renaming it
        print("saving", os.getpid(), flush=True)
        time.sleep(120)
    real_replace(src, dst)
os.replace = stall
pl.add(1, "note", "typed just before the kill")
"""


def test_H4_a_killed_writer_frees_the_lock_at_once(planner, child_env):
    """A real writer process holds the real session lock in the middle of a save (its temp file written,
    not yet renamed). While it lives, a change is refused after the wait, naming its pid, and the next
    start does not call it a crash. Once it is SIGKILLed the kernel frees its lock: the next change goes
    through at once, its half-done save is offered for recovery, and its run is reported as ended
    unexpectedly."""
    _kill_a_writer_in_mid_save(planner, child_env, [])


def test_H4_a_writer_killed_inside_a_pid_namespace_frees_the_lock_at_once(planner, child_env, pid_namespace):
    """The same writer runs inside its own PID namespace (a container), where it is pid 1, which on this
    host is init and always alive. While it lives the refusal says "process 1 in another PID namespace
    (a container)"; once it is killed nothing waits on pid 1: the lock is free at once, its temp file is
    offered for recovery and its run is reported as ended unexpectedly. The pid in the note and in file
    names is only ever shown; the kernel lock alone says who holds what."""
    _kill_a_writer_in_mid_save(planner, child_env, pid_namespace)


def _kill_a_writer_in_mid_save(planner: Planner, child_env: dict[str, str], prefix: list[str]) -> None:
    planner.add(1, "note", "before")
    root = planner.project.root
    holder = subprocess.Popen([*prefix, sys.executable, "-c", _STUCK_SAVER, str(root), DEMO_EPIC],
                              env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = holder.stdout.readline().split()
        assert said[:1] == ["saving"], holder.stderr.read() if holder.poll() is not None else said
        pid = int(said[1])
        info = read_lock(planner.store.path.with_name(planner.store.path.name + ".lock"))
        assert info is not None and info.pid == pid
        if prefix:
            assert pid == 1 and info.namespace != PID_NAMESPACE and not info.here
        planner.store.lock_timeout = 0.3
        expected = f"process {pid} in another PID namespace" if prefix else f"process {pid} on this host"
        with pytest.raises(SessionLocked, match=expected):
            planner.add(1, "note", "while it saves")
        assert previous_crashes(root, planner.epic.folder, planner.role.key) == []  # alive: not a crash
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=10)
    planner.store.lock_timeout = 2.0
    offers = Planner.open(root, epic=DEMO_EPIC).orphans()  # takes the lock: the writer is gone
    assert [texts(s)[-1] for _, s in offers] == ["typed just before the kill"]
    assert offers[0][0].name.startswith(f".03-backend.json.{pid}.")
    started = time.monotonic()
    planner.add(1, "note", "after the kill")
    assert time.monotonic() - started < 1.0
    assert texts(Planner.open(root, epic=DEMO_EPIC).session) == ["before", "after the kill"]
    assert previous_crashes(root, planner.epic.folder, planner.role.key) == [pid]
    assert previous_crashes(root, planner.epic.folder, planner.role.key) == []  # reported once


@pytest.mark.parametrize("note", ["4242 host-before-the-rename", "1 " + os.uname().nodename + " pid:[1]", "99999999 " + os.uname().nodename])
def test_H4_a_note_left_by_a_holder_that_is_gone_is_never_waited_on(planner, note):
    """The note beside the lock names a holder that is gone: one on a host that has since been renamed,
    one in a container since removed (pid 1, alive on this host as its init), one from before a reboot.
    Nobody holds the kernel lock, so the next change takes it at once and replaces the note."""
    planner.add(1, "note", "before")
    lock = planner.store.path.with_name(planner.store.path.name + ".lock")
    note_path(lock).write_text(note + "\n", encoding="utf-8")
    started = time.monotonic()
    planner.add(1, "note", "after")
    assert time.monotonic() - started < 1.0
    assert not note_path(lock).exists()
    with LockFile(lock) as held:
        assert held.held and read_lock(lock).pid == os.getpid()


# ---------------------------------------------------------------------------------------- H7


@pytest.mark.parametrize("stdout_is", ["pipe", "terminal"])
def test_H7_the_workbench_without_a_terminal_refuses_in_one_line(demo_project, child_env, stdout_is):
    """`planner-tui` with no command is started the way an agent starts it: by `setsid` (a new session,
    no controlling terminal), stdin a pipe it never closes, stdout a pipe (or a terminal while stdin is
    still a pipe). It exits at once with code 2 and one line on stderr naming the commands to use,
    instead of a full-screen app that spins a CPU waiting for keys nobody types."""
    if shutil.which("setsid") is None:
        pytest.skip("setsid(1) is not installed")
    master = slave = None
    if stdout_is == "terminal":
        master, slave = os.openpty()
    started = time.monotonic()
    proc = subprocess.Popen(
        ["setsid", "--wait", sys.executable, "-m", "planner_tui", "--project", str(demo_project)],
        stdin=subprocess.PIPE, stdout=slave if slave is not None else subprocess.PIPE, stderr=subprocess.PIPE,
        env=child_env,
    )
    try:
        _, err = proc.communicate(timeout=30)  # stdin stays open: only the refusal ends it
    finally:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
    assert proc.returncode == 2 and time.monotonic() - started < 20
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner-tui: the workbench needs a terminal"), lines
    assert " status," in lines[0] and " commit" in lines[0]
