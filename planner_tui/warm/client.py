"""The `planner-tui` entry point: a command goes to the warm process when one listens, else runs here and starts one.

This module imports only the standard library's light parts (the import contract keeps it so):
a call answered by the warm process never loads pydantic, pygit2, jinja2 or planner-tui's engine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time

from planner_tui.warm.place import (
    FORWARDED, FORWARDED_SIGNALS, PROTOCOL, command_of, enabled, peer_uid, read_line, send_message, socket_path,
)

__all__ = ["main", "forward", "ask", "start", "package_dir"]

_ANSWER_SECONDS = 5.0
"""How long a warm process may take to fork the call's process; past it the call runs here (nothing ran there)."""
_SERVE = "import json, sys; sys.path[:] = json.loads(sys.argv[3]); from planner_tui.warm.server import serve; serve()"
"""The warm process's start: the caller's module search path first, then planner-tui from it."""


def package_dir() -> str:
    import planner_tui

    return os.path.dirname(os.path.abspath(planner_tui.__file__))


def main() -> None:
    """`planner-tui …`: the same command, answered by the warm process when it can be; exits with its code.

    (No `typing` here: importing it costs a forwarded call about a fifth of its time.)"""
    argv = sys.argv[1:]
    # A call that reads a terminal (`answer-batch 1 -` typed at a prompt) stays in the terminal's
    # process group, where the shell's job control (Ctrl+Z, `bg`) works on it.
    reads_terminal = "-" in argv and _isatty(0)
    warm = command_of(argv) in FORWARDED and enabled(os.environ) and not reads_terminal
    missing = False
    if warm:
        path = socket_path(os.environ, package_dir())
        if path is not None:
            try:
                code = forward(path, argv)
            except KeyboardInterrupt:  # Ctrl+C before the signals were passed on: the call ends with this process
                raise SystemExit(130) from None
            if code is not None:
                raise SystemExit(code)
        missing = path is None or not os.path.exists(path) or ask(path, "ping") is None
    from planner_tui.cli.main import main as run_here

    code = run_here(argv)
    if warm and missing:
        start()  # for the next call; this one's output is already written
    raise SystemExit(code)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _connect(path: str) -> socket.socket | None:
    """A connection to the warm process at `path`, if one listens there and is this user's."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(_ANSWER_SECONDS)
    try:
        sock.connect(path)
        uid = peer_uid(sock)
        if uid is not None and uid != os.getuid():
            raise ConnectionRefusedError("another user's process")
    except OSError:
        sock.close()
        return None
    return sock


def forward(path: str, argv: list[str]) -> int | None:
    """Run `argv` in a process the warm one forks, with this call's files, folder, environment and
    umask; its exit code, or None when no warm process took the call (then nothing ran)."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)  # a closed stdin, stdout or stderr: the command line's own handling says what it means
        cwd = os.getcwd()
    except OSError:
        return None
    sock = _connect(path)
    if sock is None:
        return None
    with sock:
        umask = os.umask(0o022)
        os.umask(umask)
        # Signals this call ignores (`nohup`, a background job of a script) stay ignored there too.
        ignored = [int(getattr(signal, n)) for n in FORWARDED_SIGNALS if signal.getsignal(getattr(signal, n)) == signal.SIG_IGN]
        request = {"op": "run", "protocol": PROTOCOL, "argv": argv, "cwd": cwd, "env": dict(os.environ), "umask": umask, "ignored": ignored}
        try:
            send_message(sock, request, [0, 1, 2])
            reader = sock.makefile("r", encoding="utf-8")
            first = read_line(reader)
            if not first or "pid" not in first:
                return None  # stale (its code changed) or leaving: this call runs here
            sock.sendall(b"g")  # only now does the call start there, so a call given up on never runs twice
        except (OSError, ValueError):
            return None
        # From here Ctrl+C is the call's (one in between ends this process, and the call with it:
        # a call's process ends when its caller's connection does).
        received = _pass_signals_on(first["pid"])
        sock.settimeout(None)  # the command takes as long as it takes (a commit, a large session)
        try:
            last = read_line(reader)
        except (OSError, ValueError):
            last = None
    if last and "exit" in last:
        return int(last["exit"])
    fatal = [n for n in received if n not in (signal.SIGTSTP, signal.SIGCONT)]
    if fatal:  # it died of the signal it was sent: so does this process, as the shell expects
        signal.signal(fatal[-1], signal.SIG_DFL)
        os.kill(os.getpid(), fatal[-1])
    print("planner-tui: the command's process ended without an exit code (it was killed); "
          "run it again with PLANNER_TUI_WARM=0 to run it here.", file=sys.stderr)
    return 1


def _pass_signals_on(pid: int) -> list[int]:
    """Signals this process gets go on to the call's process, as if they had been sent to it: Ctrl+C,
    a kill, a hang-up; Ctrl+Z stops both and `fg`/`bg` continues both. Signals this process ignores
    are left ignored. Returns the list the received signals are added to."""
    received: list[int] = []

    def pass_on(signum, _frame):
        received.append(signum)
        try:
            os.kill(pid, signal.SIGSTOP if signum == signal.SIGTSTP else signum)
        except OSError:
            pass
        if signum == signal.SIGTSTP:  # stop this process too, so the shell gets its terminal back
            signal.signal(signal.SIGTSTP, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTSTP)
            signal.signal(signal.SIGTSTP, pass_on)  # continued: SIGCONT went on to the call

    for name in FORWARDED_SIGNALS:
        number = getattr(signal, name)
        if signal.getsignal(number) != signal.SIG_IGN:
            signal.signal(number, pass_on)
    return received


def ask(path: str, op: str) -> dict | None:
    """The warm process's answer to `ping` or `stop`; None when none listens (or the one listening is leaving: its code changed)."""
    sock = _connect(path)
    if sock is None:
        return None
    with sock:
        try:
            send_message(sock, {"op": op, "protocol": PROTOCOL})
            answer = read_line(sock.makefile("r", encoding="utf-8"))
            return None if not answer or answer.get("stale") else answer
        except (OSError, ValueError):
            return None


def _failed_lately(log: str) -> bool:
    """A warm process that failed to start says why in its log: no call starts another for a minute,
    so a broken one costs one start a minute, not one per call."""
    try:
        info = os.stat(log)
    except OSError:
        return False
    return info.st_size > 0 and time.time() - info.st_mtime < 60


def start(*, wait: float = 0.0) -> str | None:
    """Start a warm process for this Python and these settings, detached from this call's terminal
    and pipes; with `wait`, until it answers (at most that many seconds). Its socket, or None."""
    package = package_dir()
    path = socket_path(os.environ, package, create=True)
    if path is None or _failed_lately(path + ".log"):
        return None
    import subprocess

    # The same module search path as this call's, so the same planner-tui and libraries are
    # imported there (even one found in the current folder by `python -m`).
    search_path = json.dumps([os.path.abspath(p) for p in sys.path])
    try:
        with open(path + ".log", "ab") as log:
            subprocess.Popen(
                [sys.executable, "-c", _SERVE, path, package, search_path],
                cwd="/", stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
            )
    except OSError:
        return None
    deadline = time.monotonic() + wait
    while wait and ask(path, "ping") is None:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
    return path
