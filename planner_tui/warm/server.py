"""The warm process: the engine imported once, each call run in a fork of it with the caller's files, folder and environment."""

from __future__ import annotations

import errno
import fcntl
import gc
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback

from planner_tui.core.storage import primed
from planner_tui.warm.place import FORWARDED_SIGNALS, IDLE_SECONDS, PROTOCOL, peer_uid, receive_message, send_message

__all__ = ["serve", "ModuleFiles"]

_LOCK_WAIT = 3.0
"""A warm process that is leaving (its code changed) may still hold the lock this long."""
_WAKE = 2.0
"""How often the process looks whether its socket is still its own and whether it sat idle too long."""
_GO_SECONDS = 30.0
"""How long a call's process waits for its caller's go after sending its pid (the caller sends it at once)."""
_LOG_FD = 2
_HOLD_AT_MOST = 64
"""Files one call's report may ask the warm process to read ahead."""


class ModuleFiles:
    """The files the loaded modules came from, as they were: a process whose code changed on disk
    (an upgrade, an edit) answers `stale` and leaves, so no call runs old code."""

    def __init__(self, paths: list[str], since_ns: int) -> None:
        self.seen = {path: self._state(path) for path in paths}
        # A file written while the process was importing it is already newer than what it loaded.
        self.written_meanwhile = any(state and state[0] > since_ns for state in self.seen.values())

    @staticmethod
    def loaded() -> list[str]:
        return sorted({f for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)})

    @staticmethod
    def _state(path: str) -> tuple[int, int] | None:
        try:
            info = os.stat(path)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def changed(self) -> bool:
        return self.written_meanwhile or any(self._state(path) != state for path, state in self.seen.items())


def _warm_up() -> None:
    """Import what the forwarded commands use, so a call's process starts with it loaded."""
    import importlib
    import pkgutil

    import planner_tui.core
    from planner_tui.cli.main import build_parser

    build_parser()  # the parser, from the registry and every command's arguments

    for module in ("planner_tui.cli.reports", "planner_tui.settings", "jinja2", "markdown_it"):
        importlib.import_module(module)
    for info in pkgutil.walk_packages(planner_tui.core.__path__, "planner_tui.core."):
        importlib.import_module(info.name)


def _lock(path: str) -> int | None:
    """The process's claim on its socket (released when it dies, however it dies); None when another holds it."""
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + _LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(0.05)


def _listen(path: str) -> socket.socket:
    try:
        os.unlink(path)  # left by a process that died: the lock says none listens on it now
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the socket is this user's alone from the moment it exists
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(16)
    listener.settimeout(_WAKE)
    return listener


def serve() -> None:
    """`python -c "…serve()" SOCKET PACKAGE_DIR SEARCH_PATH` (`client._SERVE`, which took the caller's
    module search path), started by the first call that found none listening."""
    global _LOG_FD
    path, package = sys.argv[1], sys.argv[2]
    started_ns = time.time_ns()  # a module file written after this may be newer than what was imported
    _LOG_FD = os.dup(2)  # its log (`SOCKET.log`): a call's fork says there what went wrong before it started
    lock = _lock(path)
    if lock is None:
        return  # another warm process for these settings started first
    import planner_tui

    if os.path.dirname(os.path.abspath(planner_tui.__file__)) != package:
        print(f"planner-tui warm: imported {planner_tui.__file__}, not the caller's {package}; leaving", file=sys.stderr)
        return
    _warm_up()
    files = ModuleFiles(ModuleFiles.loaded(), started_ns)
    listener = _listen(path)
    inode = os.stat(path).st_ino
    idle = float(os.environ.get("PLANNER_TUI_WARM_IDLE") or IDLE_SECONDS)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the calls' processes are reaped by the system
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    gc.freeze()  # what the warm-up made stays shared with every fork instead of being copied by their collections
    state = {"pid": os.getpid(), "since": time.time(), "calls": 0, "socket": path, "idle": idle}
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle and _still_ours(path, inode):
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            with conn:
                if not _answer(conn, listener, lock, files, state):
                    break
    finally:
        if _still_ours(path, inode):
            os.unlink(path)
        listener.close()


def _still_ours(path: str, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _reply(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def _answer(conn: socket.socket, listener: socket.socket, lock: int, files: ModuleFiles, state: dict) -> bool:
    """Answer one connection; False when the process should leave."""
    if peer_uid(conn) not in (None, os.getuid()):
        return True
    conn.settimeout(_WAKE)
    try:
        message, fds = receive_message(conn)
    except (OSError, ValueError, ConnectionError):
        return True
    try:
        if message.get("protocol") != PROTOCOL or files.changed():
            _reply(conn, {"stale": True})
            return False
        op = message.get("op")
        if op == "ping":
            _reply(conn, {**state, "held": primed.held()})
        elif op == "prime":
            _hold(message.get("reads"))
        elif op == "stop":
            _reply(conn, {"stopped": state["pid"]})
            return False
        elif op == "run" and len(fds) == 3:
            state["calls"] += 1
            if os.fork() == 0:
                _run_call(conn, listener, lock, message, fds)  # never returns
        else:
            _reply(conn, {"error": f"unknown request {op!r}"})
    except OSError:
        pass  # the caller left; it runs the call itself when it had no pid
    finally:
        for fd in fds:
            os.close(fd)
    return True


def _hold(reads: object) -> None:
    """Read ahead what a call just decoded (its session, its caches), so that the next call that
    finds the same bytes takes them decoded: a 10,000-entry session is 75 ms of decoding."""
    if not isinstance(reads, list):
        return
    for item in reads[:_HOLD_AT_MOST]:
        if isinstance(item, list) and len(item) == 2 and all(isinstance(part, str) for part in item):
            primed.hold(item[0], item[1])
    gc.freeze()  # what was decoded is shared with the forks like the imports, not walked by their collections


def _streams() -> None:
    """stdin, stdout and stderr made again on the caller's files, buffered as Python buffers them
    for what they are (a terminal: line by line), in the encoding this process's start chose."""
    def text(fd: int, old, mode: str, line: bool) -> io.TextIOWrapper:
        raw = io.open(fd, mode, closefd=False)
        return io.TextIOWrapper(raw, encoding=old.encoding, errors=old.errors, line_buffering=line, write_through=old.write_through)

    sys.stdin = text(0, sys.stdin, "rb", False)
    sys.stdout = text(1, sys.stdout, "wb", os.isatty(1))
    sys.stderr = text(2, sys.stderr, "wb", True)


def _run_call(conn: socket.socket, listener: socket.socket, lock: int, message: dict, fds: list[int]) -> None:
    """In the fork: the call, and whatever happens in it, never a return into the warm process's loop."""
    where = listener.getsockname()
    try:
        _call(conn, listener, lock, message, fds)
        _report_reads(where)
    finally:
        os._exit(0)


def _report_reads(where: str) -> None:
    """After the caller has its exit code: tell the warm process which files the call decoded."""
    reads = primed.reads()
    if not reads:
        return
    # The caller's files are let go first: a shell reading the call's output waits for every
    # holder of the pipe to close it, and the call has ended for it.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_WAKE)
            sock.connect(where)
            send_message(sock, {"protocol": PROTOCOL, "op": "prime", "reads": [list(item) for item in reads]})
    except OSError:
        pass


def _become_the_caller(listener: socket.socket, lock: int, message: dict, fds: list[int]) -> list[str]:
    """Take the caller's files, folder, environment, umask and signal dispositions; its argv."""
    listener.close()
    os.close(lock)  # a call that outlives the warm process must not keep its claim
    for name in ("SIGCHLD", *FORWARDED_SIGNALS):  # as a fresh process has them: the warm process's own are not the call's
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in message.get("ignored", ()):
        signal.signal(number, signal.SIG_IGN)
    os.umask(message["umask"])
    os.chdir(message["cwd"])
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(message["env"])
    time.tzset()  # the caller's TZ: the local time a commit records
    argv = list(message["argv"])
    sys.argv = ["planner-tui", *argv]
    _streams()
    return argv


def _end_with_the_caller(conn: socket.socket, reported: threading.Event) -> None:
    """A caller killed outright (`kill -9`, a tool's timeout) takes its call with it, as it would
    have in one process: its connection closes before the exit code was sent."""
    try:
        conn.recv(1)
    except OSError:
        pass
    if not reported.is_set():
        os.kill(os.getpid(), signal.SIGKILL)


def _call(conn: socket.socket, listener: socket.socket, lock: int, message: dict, fds: list[int]) -> None:
    """Become the caller's process, wait for its go, run the command line, report the exit code."""
    try:
        argv = _become_the_caller(listener, lock, message, fds)
        conn.settimeout(_GO_SECONDS)
        _reply(conn, {"pid": os.getpid()})
        go = conn.recv(1) == b"g"
    except (TimeoutError, ConnectionError):
        return  # the caller gave up and runs the call itself
    except BaseException:
        # Nothing ran and nothing was said to the caller (stderr may be its own by now): it runs the call itself.
        os.write(_LOG_FD, traceback.format_exc().encode("utf-8", "replace"))
        return
    if not go:
        return
    conn.settimeout(None)
    # The warm process froze what it imported (gc.freeze), so the collector counts only this
    # call's objects as old: every few thousand it would walk them all again (decoding a session
    # of 10,000 entries: 140 instead of 85 ms). Young garbage is still collected; a full pass waits.
    gc.set_threshold(50_000, 20, 1000)
    reported = threading.Event()
    threading.Thread(target=_end_with_the_caller, args=(conn, reported), daemon=True).start()
    code = 1
    try:
        from planner_tui.cli.main import main

        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
    # A second Ctrl+C while the output drains must not cut the report short.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    reported.set()
    try:
        _reply(conn, {"exit": code})
    except OSError:
        pass
    # Then os._exit (in _run_call), not sys.exit: the warm process's exit handlers and buffers are not this call's.
