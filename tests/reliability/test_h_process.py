"""H: processes: locks that die with their holder, the workbench without a terminal, one sentence for every error."""

from __future__ import annotations

import json
import os
import re
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


# ---------------------------------------------------------------------------------------- H10


def _cli(project: Path, env: dict[str, str], *args: str | bytes, **popen) -> subprocess.CompletedProcess:
    popen.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "planner_tui", "--project", str(project), *args],
                          stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=60, **popen)


def _one_clear_line(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8")
    assert "internal error" not in err and "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("planner-tui: "), lines
    return lines[0]


FAULTS = {
    "argument not UTF-8": ([b"add", b"1", b"note", b"never written caf\xe9 \xff"], 2, r"TEXT is not valid UTF-8 \(never written caf\\xe9 \\xff\)"),
    "citation not UTF-8": ([b"add", b"1", b"note", b"never written", b"--cite", b"\xff.md"], 2, r"CITE is not valid UTF-8"),
    "superscript topic": (["add", "\u00b9", "note", "never written"], 2, r"There is no topic '\u00b9'"),
    "superscript epic": (["--epic", "\u00b2", "add", "1", "note", "never written"], 2, r"There is no epic '\u00b2'; choose one of"),
    "superscript limit": (["search", "x", "--limit", "\u00b3"], 2, r"argument --limit: invalid int value"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_H10_hostile_arguments_get_one_sentence_and_change_nothing(demo_project, child_env, fault):
    """Arguments an agent's shell can pass: bytes that are not UTF-8 (in the text, in a citation), and
    digits `str.isdigit` accepts but `int` refuses (`¹` as a topic, `²` as an epic, `³` as a limit). Each
    gets one line starting `planner-tui:` that names the problem, exit 2, never "internal error", and
    nothing is written."""
    args, code, said = FAULTS[fault]
    proc = _cli(demo_project, child_env, *args)
    assert proc.returncode == code and proc.stdout == b""
    assert re.search(said, _one_clear_line(proc))
    assert _written(demo_project) == []


def _written(project: Path) -> list[Path]:
    """Session files holding an entry that should never have been written."""
    return [p for p in (project / ".planner-tui").rglob("*.json") if b"never written" in p.read_bytes()]


def test_H10_answers_on_stdin_that_are_not_utf8_get_one_sentence(demo_project, child_env):
    """`answer-batch TOPIC -` reads the answers from stdin; bytes there that are not UTF-8 are refused in
    one line naming the byte and where it is (exit 2), and the open question stays open."""
    asked = _cli(demo_project, child_env, "--epic", DEMO_EPIC, "add", "3", "question", "Which queue?")
    assert asked.returncode == 0, asked.stderr
    proc = subprocess.run([sys.executable, "-m", "planner_tui", "--project", str(demo_project), "--epic", DEMO_EPIC,
                           "answer-batch", "3", "-"], input=b"#1 never written caf\xe9\n", capture_output=True,
                          env=child_env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == b""
    assert "stdin is not valid UTF-8 (byte 0xe9 at offset 20)" in _one_clear_line(proc)
    assert _written(demo_project) == []


def test_H10_an_output_encoding_that_cannot_show_the_text_escapes_it(demo_project, child_env):
    """With `PYTHONIOENCODING=ascii` an entry with `café ✓` is added and shown: the characters the
    encoding lacks are written as `\\xe9` and `\\u2713` (in JSON as `\\u00e9`, so it still parses), the command
    succeeds, nothing says "internal error"."""
    env = {**child_env, "PYTHONIOENCODING": "ascii"}
    added = _cli(demo_project, env, "add", "1", "note", "caf\u00e9 \u2713")
    assert added.returncode == 0, added.stderr
    shown = _cli(demo_project, env, "show", "1")
    assert shown.returncode == 0 and b"caf\\xe9 \\u2713" in shown.stdout, shown.stderr
    assert shown.stdout.decode("ascii") and b"internal error" not in added.stderr + shown.stderr
    as_json = _cli(demo_project, env, "show", "1", "--json")  # still valid JSON, with \u escapes
    assert as_json.returncode == 0 and r"caf\u00e9 \u2713" in as_json.stdout.decode("ascii")
    assert json.loads(as_json.stdout)[0]["entries"][0]["text"] == "caf\u00e9 \u2713"


def test_H10_a_closed_stdout_is_refused_before_anything_is_done(demo_project, child_env):
    """Started with stdout closed (`>&-`), a command that would add an entry says in one line that
    stdout is closed and nothing was done (exit 2): no entry is added whose id nobody could see, and no
    file the command opens can take stdout's place and receive its output."""
    proc = _cli(demo_project, child_env, "add", "1", "note", "never written", stdout=None, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert "stdout is closed" in _one_clear_line(proc)
    assert _written(demo_project) == []


def test_H10_a_full_stdout_after_the_commit_says_the_commit_was_made(planner, make_ready, child_env):
    """stdout is /dev/full, so the reply line cannot be written after the commit is made. The command
    says so on stderr with the commit and the reply line, and exits 0: a commit that exists is never
    reported as a failure. A read-only command on a full stdout says that nothing was changed."""
    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full does not exist here, so stdout cannot be made full")
    make_ready(planner)
    root = planner.project.root
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    with open("/dev/full", "wb") as full:
        proc = _cli(root, child_env, "--epic", DEMO_EPIC, "commit", stdout=full)
        shown = _cli(root, child_env, "show", stdout=full)
    err = proc.stderr.decode()
    assert proc.returncode == 0 and "internal error" not in err and "Traceback" not in err, err
    new = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    assert new != head
    last = err.splitlines()[-1]
    assert last.startswith("planner-tui: the output could not be written to stdout (No space left on device), but the change was made:")
    assert f"Committed {new[:7]}" in last and f"the reply line is: {planner.reply()}" in last
    assert all(line.startswith("planner-tui: ") for line in err.splitlines())
    assert shown.returncode == 1 and "nothing was changed" in _one_clear_line(shown)
