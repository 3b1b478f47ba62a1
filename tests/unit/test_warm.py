"""The warm process: a command it answers behaves as one run in its own process, and it never lingers unasked."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from planner_tui.cli.registry import COMMANDS
from planner_tui.demo import DEMO_EPIC
from planner_tui.warm.place import FORWARDED, command_of, fingerprint, receive_message, send_message, socket_path
from planner_tui.warm.server import ModuleFiles

CLI = [sys.executable, "-m", "planner_tui"]


@pytest.fixture
def warm_env(demo_project: Path):
    """Calls with the warm process on, in a private folder of their own (short: a socket path has
    at most 107 bytes); whatever process the test started is stopped after it."""
    folder = tempfile.mkdtemp(prefix="ptw-", dir="/tmp")
    env = {**os.environ, "PLANNER_TUI_WARM": "1", "PLANNER_TUI_WARM_DIR": folder, "PLANNER_TUI_WARM_IDLE": "60"}
    yield env
    state = _ping(env, demo_project)
    subprocess.run([*CLI, "warm", "--stop"], env=env, cwd=demo_project, capture_output=True, timeout=30)
    if state:
        _gone(state["pid"])
    shutil.rmtree(folder, ignore_errors=True)


def run(env: dict, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=30)


def _ping(env: dict, cwd: Path) -> dict | None:
    return json.loads(run(env, cwd, "warm", "--json").stdout)


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return False


def _wait_for(env: dict, cwd: Path, ready, within: float = 20.0) -> dict:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        state = _ping(env, cwd)
        if state and ready(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"the warm process was not ready within {within} s: {_ping(env, cwd)}")


def test_the_first_call_starts_it_without_holding_the_callers_output_and_the_next_is_answered_there(warm_env, demo_project):
    # capture_output waits for every holder of the pipes: a warm process that kept them would hang this call (idle 60 s).
    first = run(warm_env, demo_project, "--epic", DEMO_EPIC, "status", "--json")
    state = _wait_for(warm_env, demo_project, lambda s: s["calls"] == 0)
    second = run(warm_env, demo_project, "--epic", DEMO_EPIC, "status", "--json")
    here = run({**warm_env, "PLANNER_TUI_WARM": "0"}, demo_project, "--epic", DEMO_EPIC, "status", "--json")
    assert _ping(warm_env, demo_project)["calls"] == 1
    assert (second.returncode, json.loads(second.stdout), second.stderr) == (here.returncode, json.loads(here.stdout), here.stderr)
    assert json.loads(first.stdout) == json.loads(here.stdout)
    assert state["pid"] not in (os.getpid(),)


def test_a_call_there_has_the_callers_folder_environment_stdin_and_exit_code(warm_env, demo_project):
    run(warm_env, demo_project, "warm", "--start")
    question = run(warm_env, demo_project, "--epic", DEMO_EPIC, "add", "2", "question", "Keep EXIF data?").stdout.strip()
    inside = demo_project / ".task-master"  # no --project: the project is found from the caller's folder
    person = {**warm_env, "PLANNER_TUI_AUTHOR": "person"}
    answered = run(person, inside, "--epic", DEMO_EPIC, "answer-batch", "2", "-", stdin="#1 Strip it all.\n")
    assert answered.returncode == 0, answered.stderr
    thread = json.loads(run(warm_env, demo_project, "--epic", DEMO_EPIC, "show", "2", "--json").stdout)
    replies = [e for t in thread for e in t["entries"] if e["kind"] == "answer" and e.get("reply_to") == question]
    assert [(e["text"], e["author"]) for e in replies] == [("Strip it all.", "person")]
    refused = run(warm_env, demo_project, "--epic", "99", "status")
    assert refused.returncode == 2 and "There is no epic '99'" in refused.stderr
    assert _ping(warm_env, demo_project)["calls"] == 4  # add, answer-batch, show, status


def test_ctrl_c_on_a_call_reaches_its_process(warm_env, demo_project):
    run(warm_env, demo_project, "warm", "--start")
    call = subprocess.Popen([*CLI, "--epic", DEMO_EPIC, "answer-batch", "1", "-"], env=warm_env, cwd=demo_project,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(warm_env, demo_project, lambda s: s["calls"] == 1)  # it reads stdin there, which stays open
    call.send_signal(signal.SIGINT)
    _out, _err = call.communicate(timeout=20)
    assert call.returncode == 130


def _open_question(env: dict, project: Path) -> str:
    return run(env, project, "--epic", DEMO_EPIC, "add", "1", "question", "Keep EXIF data?").stdout.strip()


def _status_of(env: dict, project: Path, entry: str) -> str:
    thread = json.loads(run(env, project, "--epic", DEMO_EPIC, "show", "1", "--json").stdout)
    return next(e["status"] for t in thread for e in t["entries"] if e["id"] == entry)


def test_a_caller_killed_outright_takes_its_call_with_it(warm_env, demo_project):
    run(warm_env, demo_project, "warm", "--start")
    question = _open_question(warm_env, demo_project)
    call = subprocess.Popen([*CLI, "--epic", DEMO_EPIC, "answer-batch", "1", "-"], env=warm_env, cwd=demo_project,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(warm_env, demo_project, lambda s: s["calls"] == 2)
    call.kill()
    call.wait(timeout=10)
    time.sleep(0.5)  # the call's process sees its caller's connection close
    call.stdin.write(b"#1 Answered after the caller died.\n")
    try:
        call.stdin.close()
    except BrokenPipeError:
        pass  # nobody reads it any more: what the test wants
    time.sleep(0.5)
    assert _status_of(warm_env, demo_project, question) == "open"


def test_a_signal_the_caller_ignores_stays_ignored(warm_env, demo_project):
    run(warm_env, demo_project, "warm", "--start")
    question = _open_question(warm_env, demo_project)
    call = subprocess.Popen([*CLI, "--epic", DEMO_EPIC, "answer-batch", "1", "-"], env=warm_env, cwd=demo_project,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))  # as `nohup` starts it
    _wait_for(warm_env, demo_project, lambda s: s["calls"] == 2)
    call.send_signal(signal.SIGHUP)
    _out, err = call.communicate(b"#1 Strip it all.\n", timeout=20)
    assert call.returncode == 0, err
    assert _status_of(warm_env, demo_project, question) == "answered"


def test_what_a_call_decoded_is_held_for_the_next_and_a_file_changed_meanwhile_is_read_again(warm_env, demo_project):
    run(warm_env, demo_project, "warm", "--start")
    fresh = {**warm_env, "PLANNER_TUI_WARM": "0"}
    status = ("--epic", DEMO_EPIC, "status", "--json")
    for text in ("Keep the author id.", "Index photo_id."):  # the second reads the file the first wrote
        run(warm_env, demo_project, "--epic", DEMO_EPIC, "add", "1", "decision", text)
    held = _wait_for(warm_env, demo_project, lambda s: s["held"]["files"] >= 1)["held"]
    assert held["bytes"] > 0
    said = run(warm_env, demo_project, "warm").stdout
    assert f"it holds {held['files']} file" in said and "the calls read decoded ahead (" in said
    assert json.loads(run(warm_env, demo_project, *status).stdout) == json.loads(run(fresh, demo_project, *status).stdout)
    # Written by a process of its own, after the warm process read it: the next call reads the new bytes.
    run(fresh, demo_project, "--epic", DEMO_EPIC, "add", "1", "decision", "Strip EXIF data on upload.")
    warm = json.loads(run(warm_env, demo_project, *status).stdout)
    assert warm == json.loads(run(fresh, demo_project, *status).stdout)
    shown = run(warm_env, demo_project, "--epic", DEMO_EPIC, "show", "1", "--json").stdout
    assert "Strip EXIF data on upload." in shown


def test_it_stops_when_asked_and_when_spoken_to_in_another_protocol(warm_env, demo_project):
    state = json.loads(run(warm_env, demo_project, "warm", "--start", "--json").stdout)
    stopped = run(warm_env, demo_project, "warm", "--stop")
    assert f"stopped the warm process (pid {state['pid']})" in stopped.stdout
    assert _gone(state["pid"])
    state = json.loads(run(warm_env, demo_project, "warm", "--start", "--json").stdout)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(state["socket"])
        send_message(sock, {"op": "ping", "protocol": 0})
        assert json.loads(sock.makefile().readline()) == {"stale": True}
    assert _gone(state["pid"])
    assert not Path(state["socket"]).exists()


def test_with_warm_off_no_process_is_started(warm_env, demo_project):
    off = {**warm_env, "PLANNER_TUI_WARM": "off"}
    assert run(off, demo_project, "--epic", DEMO_EPIC, "status").returncode in (0, 1)
    assert "every command runs in its own process" in run(off, demo_project, "warm").stdout
    assert os.listdir(warm_env["PLANNER_TUI_WARM_DIR"]) == []


def test_a_folder_others_may_enter_is_never_used(tmp_path, demo_project):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    env = {**os.environ, "PLANNER_TUI_WARM": "1", "PLANNER_TUI_WARM_DIR": str(shared)}
    assert socket_path(env, "/pkg", create=True) is None
    assert run(env, demo_project, "--epic", DEMO_EPIC, "status").returncode in (0, 1)
    assert list(shared.iterdir()) == []
    said = run(env, demo_project, "warm", "--start")
    assert said.returncode == 1 and f"{shared}, is not a folder only you can enter" in said.stdout
    assert list(shared.iterdir()) == []


def test_a_changed_module_file_is_seen(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text("A = 1\n", encoding="utf-8")
    os.utime(module, ns=(time.time_ns() - 60_000_000_000,) * 2)
    files = ModuleFiles([str(module)], since_ns=time.time_ns() - 10_000_000_000)
    assert not files.changed()
    module.write_text("A = 22\n", encoding="utf-8")
    assert files.changed()


def test_a_module_file_written_while_the_process_started_is_seen_at_once(tmp_path):
    module = tmp_path / "mod.py"
    started = time.time_ns()
    module.write_text("A = 1\n", encoding="utf-8")  # written after the process began importing
    os.utime(module, ns=(started + 1_000_000, started + 1_000_000))
    assert ModuleFiles([str(module)], since_ns=started).changed()


def test_a_warm_process_serves_only_calls_that_would_start_the_same_way(tmp_path, monkeypatch):
    env = {"HOME": "/home/a", "PATH": "/bin", "PLANNER_TUI_AUTHOR": "person"}
    same = fingerprint(env, "/pkg")
    assert fingerprint({**env, "PATH": "/usr/bin", "PLANNER_TUI_AUTHOR": "agent"}, "/pkg") == same  # read at each call
    assert fingerprint({**env, "HOME": "/home/b"}, "/pkg") != same  # where git reads the user's configuration
    assert fingerprint({**env, "PYTHONHASHSEED": "1"}, "/pkg") != same
    assert fingerprint(env, "/other") != same
    monkeypatch.chdir(tmp_path)
    assert socket_path({"PLANNER_TUI_WARM_DIR": "socks"}, "/pkg", create=True).startswith(str(tmp_path / "socks") + "/")


@pytest.mark.parametrize(("argv", "command"), [
    (["--epic", "9", "status", "--json"], "status"),
    (["--epic=9", "--project", "p", "add", "1", "note", "x"], "add"),
    (["status", "--epic", "9"], "status"),
    ([], None),
    (["--help"], None),
    (["--project", "p"], None),
    (["ui"], "ui"),
])
def test_the_command_is_read_as_argparse_reads_it(argv, command):
    assert command_of(argv) == command


def test_every_command_but_the_interactive_ones_goes_to_it():
    assert FORWARDED == {c.name for c in COMMANDS} - {"ui", "demo", "mcp", "warm"}


def test_a_message_with_files_arrives_whole(tmp_path):
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right, open(tmp_path / "f", "w") as f:
        send_message(left, {"env": {"K": "x" * 100_000, "bad": "\udcff"}}, [f.fileno()])
        message, fds = receive_message(right)
        assert message == {"env": {"K": "x" * 100_000, "bad": "\udcff"}}
        assert len(fds) == 1 and os.path.samestat(os.fstat(fds[0]), os.fstat(f.fileno()))
        os.close(fds[0])
