"""Where the warm process listens, whether a call may go to it, and the words both sides speak."""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys
import zlib

__all__ = [
    "FORWARDED", "FORWARDED_SIGNALS", "IDLE_SECONDS", "PROTOCOL", "command_of", "enabled", "socket_folder", "socket_path",
    "send_message", "receive_message", "read_line", "peer_uid", "fingerprint",
]

PROTOCOL = 1
"""Of the messages below; a warm process of another protocol answers `stale` and leaves."""

IDLE_SECONDS = 600.0
"""A warm process no call has used for this long leaves (`$PLANNER_TUI_WARM_IDLE` changes it)."""

FORWARDED = frozenset({
    "epics", "check", "status", "add", "answer", "drop", "flag", "confirm", "unconfirm", "show", "render",
    "commit", "move", "diff", "reconfirm", "edit", "search", "questions", "answer-batch", "export",
})
"""The commands a warm process may run: each reads its files, prints and exits. The workbench,
`demo` and `mcp` own the terminal or a long-lived conversation, and `warm` speaks about the warm
process itself: they always run in the calling process. (A test keeps this equal to the registry.)"""

FORWARDED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGTSTP", "SIGCONT")
"""The signals a caller passes on to its call's process (Ctrl+C, a kill, a hang-up, Ctrl+Z and
`fg`); the call's process takes them as a fresh process would."""

# Global options that take a value, before the command (`--epic 9 status`).
_VALUED = ("--project", "--epic", "--role", "--prompts")


def command_of(argv: list[str]) -> str | None:
    """The command an argument list names, as argparse will read it; None for the workbench or any option it does not know."""
    words = iter(argv)
    for word in words:
        if word in _VALUED:
            next(words, None)
        elif word.startswith(tuple(option + "=" for option in _VALUED)):
            continue
        elif word.startswith("-"):
            return None  # --help, --version, an abbreviation argparse would expand: the real parser decides
        else:
            return word
    return None


def enabled(environ: os._Environ[str] | dict[str, str]) -> bool:
    """Calls go through a warm process unless `$PLANNER_TUI_WARM` is 0, off, no or false, or the system cannot pass files."""
    said = environ.get("PLANNER_TUI_WARM", "").strip().lower()
    if said in ("0", "off", "no", "false"):
        return False
    return hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") and hasattr(os, "fork")


# Read once when a process starts or first uses them, so a fork cannot take them from the caller:
# Python's own settings, the locale, and where libgit2 looks for the user's git configuration.
_FIXED_AT_START = ("PYTHON", "LC_", "LANG", "HOME", "XDG_CONFIG_HOME")


def _confinement() -> list[str]:
    """What the system confines this process to: its namespaces, control group, privileges and
    limits. A warm process started elsewhere (another container, sandbox or `ulimit`) would run the
    call outside the caller's confinement, so it never answers it."""
    said: list[str] = [str(os.getgid()), repr(sorted(os.getgroups()))]
    for name in ("mnt", "pid", "user", "net", "ipc", "uts", "cgroup"):
        try:
            said.append(os.readlink(f"/proc/self/ns/{name}"))
        except OSError:
            said.append("")
    for path in ("/proc/self/cgroup", "/proc/self/status"):
        try:
            with open(path, encoding="ascii", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        said.extend(line for line in text.splitlines() if path.endswith("cgroup") or line.startswith(("NoNewPrivs", "Seccomp", "Cap")))
    try:
        import resource
    except ImportError:
        return said
    said.extend(f"{name}={resource.getrlimit(getattr(resource, name))}" for name in sorted(dir(resource)) if name.startswith("RLIMIT_"))
    return said


def fingerprint(environ: os._Environ[str] | dict[str, str], package_dir: str) -> str:
    """What decides how a Python process starts and which planner-tui it runs: one warm process per value.

    The interpreter and its prefix, the package's folder, the variables read only once at start
    (Python's own, the locale, the home folders git reads), and the process's confinement: a call
    is never answered by a process that started otherwise.
    """
    decided = sorted((k, v) for k, v in environ.items() if k.startswith(_FIXED_AT_START))
    data = json.dumps([PROTOCOL, sys.executable, sys.prefix, sys.version, package_dir, decided, _confinement()]).encode("utf-8", "surrogateescape")
    # A name, not a secret (the folder is private): two CRCs make 64 bits without loading hashlib's OpenSSL (8 ms a call).
    return f"{zlib.crc32(data):08x}{zlib.crc32(data[::-1]):08x}"


def socket_folder(environ: os._Environ[str] | dict[str, str]) -> str:
    """Where the sockets live: `$PLANNER_TUI_WARM_DIR`, else under `$XDG_RUNTIME_DIR`, else `/tmp/planner-tui-<uid>`."""
    base = environ.get("PLANNER_TUI_WARM_DIR")
    if not base:
        runtime = environ.get("XDG_RUNTIME_DIR")
        base = os.path.join(runtime, "planner-tui") if runtime else os.path.join("/tmp", f"planner-tui-{os.getuid()}")
    return os.path.abspath(base)  # the warm process runs in `/`: a relative folder would mean another one there


def _private_dir(environ: os._Environ[str] | dict[str, str], create: bool) -> str | None:
    """The socket folder, when only this user can enter it (made so when `create`).

    A folder that exists with other owners or wider permissions is not used (another user could
    answer in our place): the call then runs in its own process.
    """
    base = socket_folder(environ)
    if create:
        try:
            os.mkdir(base, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        info = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return base


def socket_path(environ: os._Environ[str] | dict[str, str], package_dir: str, *, create: bool = False) -> str | None:
    """The socket of the warm process for this interpreter and these settings; None when no safe folder exists."""
    folder = _private_dir(environ, create)
    if folder is None:
        return None
    return os.path.join(folder, f"{fingerprint(environ, package_dir)}.sock")


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    """A message: its length (4 bytes) and its JSON, with open files passed along (the caller's stdin, stdout, stderr)."""
    body = json.dumps(message).encode("utf-8", "surrogateescape")
    data = struct.pack(">I", len(body)) + body
    sent = socket.send_fds(sock, [data], fds) if fds else sock.send(data)
    if sent < len(data):
        sock.sendall(data[sent:])


def receive_message(sock: socket.socket, max_fds: int = 3) -> tuple[dict, list[int]]:
    """The message `send_message` sent, and the files that came with it."""
    data, fds, _flags, _addr = socket.recv_fds(sock, 65536, max_fds)
    while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
        more = sock.recv(65536)
        if not more:
            for fd in fds:
                os.close(fd)
            raise ConnectionError("the message ended early")
        data += more
    size = struct.unpack(">I", data[:4])[0]
    return json.loads(data[4:4 + size].decode("utf-8", "surrogateescape")), fds


def read_line(stream) -> dict | None:
    """One reply line (JSON); None at the end of the connection."""
    line = stream.readline()
    return json.loads(line) if line else None


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end, where the system says it (Linux); None elsewhere."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    return uid
