"""A power cut replayed from an strace log: what one folder holds after a crash at each step of a save."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, Callable

__all__ = ["TRACED", "Op", "parse_ops", "crash_states", "replay"]

TRACED = "openat,write,fsync,fdatasync,close,rename,renameat,renameat2,link,linkat,unlink,unlinkat"
"""The syscalls to trace (`strace -xx -s 10000000 -e trace=…`): every one that changes a folder or a file."""

_S = r'"((?:\\x[0-9a-f]{2})*)"'  # a string as `strace -xx` prints it: every byte as \xNN
_AT = r"(?:AT_FDCWD, )?"
_PATTERNS = {
    "open": re.compile(rf"^openat\(AT_FDCWD, {_S}, ([A-Z_|]+)(?:, 0\d*)?\)\s*= (\d+)"),
    "write": re.compile(rf"^write\((\d+), {_S}, \d+\)\s*= (\d+)"),
    "fsync": re.compile(r"^f(?:data)?sync\((\d+)\)\s*= 0"),
    "close": re.compile(r"^close\((\d+)\)\s*= 0"),
    "rename": re.compile(rf"^renameat2?\({_AT}{_S}, {_AT}{_S}(?:, \w+)?\)\s*= 0|^rename\({_S}, {_S}\)\s*= 0"),
    "link": re.compile(rf"^linkat\({_AT}{_S}, {_AT}{_S}, \w+\)\s*= 0|^link\({_S}, {_S}\)\s*= 0"),
    "unlink": re.compile(rf"^unlinkat\({_AT}{_S}, \w+\)\s*= 0|^unlink\({_S}\)\s*= 0"),
}


def _text(hexed: str) -> bytes:
    return bytes.fromhex(hexed.replace("\\x", ""))


@dataclass(frozen=True)
class Op:
    """One step that changed the folder: kind (create, write, fsync, dirsync, rename, link, unlink) and its names."""

    kind: str
    name: str = ""
    other: str = ""
    data: bytes = b""
    truncate: bool = False


def parse_ops(trace: str, folder: Path) -> list[Op]:
    """The steps of an strace log (one process, `-xx`) that touched files directly inside `folder`, in order."""
    prefix = str(folder).encode() + b"/"
    fds: dict[str, str] = {}  # fd -> a file's name in the folder, or "/" for the folder itself
    ops: list[Op] = []

    def inside(raw: bytes) -> str | None:
        return raw[len(prefix):].decode("utf-8", "surrogateescape") if raw.startswith(prefix) and b"/" not in raw[len(prefix):] else None

    for line in trace.splitlines():
        for kind, pattern in _PATTERNS.items():
            m = pattern.match(line)
            if m:
                break
        else:
            continue
        groups = [g for g in m.groups() if g is not None]
        if kind == "open":
            raw, flags, fd = _text(groups[0]), groups[1], groups[2]
            if raw == str(folder).encode() and "O_DIRECTORY" in flags:
                fds[fd] = "/"
            elif (name := inside(raw)) is not None:
                fds[fd] = name
                if "O_CREAT" in flags or "O_TRUNC" in flags:
                    ops.append(Op("create", name, truncate="O_TRUNC" in flags))
            else:
                fds.pop(fd, None)
        elif kind == "write" and groups[0] in fds and fds[groups[0]] != "/":
            ops.append(Op("write", fds[groups[0]], data=_text(groups[1])[: int(groups[2])]))
        elif kind == "fsync" and groups[0] in fds:
            name = fds[groups[0]]
            ops.append(Op("dirsync") if name == "/" else Op("fsync", name))
        elif kind == "close":
            fds.pop(groups[0], None)
        elif kind in ("rename", "link"):
            src, dst = inside(_text(groups[0])), inside(_text(groups[1]))
            if src is not None and dst is not None:
                ops.append(Op(kind, src, dst))
        elif kind == "unlink" and (name := inside(_text(groups[0]))) is not None:
            ops.append(Op("unlink", name))
    return ops


@dataclass
class _File:
    data: bytearray
    synced: bytes
    """What survives a power cut: the bytes as of the last fsync (unsynced writes are lost)."""


@dataclass
class _Folder:
    names: dict[str, int] = field(default_factory=dict)
    files: dict[int, _File] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)  # write position per name opened for writing

    def apply(self, op: Op) -> None:
        if op.kind == "create":
            if op.name not in self.names:
                self.names[op.name] = len(self.files)
                self.files[len(self.files)] = _File(bytearray(), b"")
            elif op.truncate:
                self.files[self.names[op.name]].data = bytearray()
            self.offsets[op.name] = 0
        elif op.kind == "write":
            f, at = self.files[self.names[op.name]], self.offsets.get(op.name, 0)
            f.data[at : at + len(op.data)] = op.data
            self.offsets[op.name] = at + len(op.data)
        elif op.kind == "fsync":
            f = self.files[self.names[op.name]]
            f.synced = bytes(f.data)
        elif op.kind == "rename":
            self.names[op.other] = self.names.pop(op.name)
        elif op.kind == "link":
            self.names[op.other] = self.names[op.name]
        elif op.kind == "unlink":
            self.names.pop(op.name, None)


def crash_states(before: dict[str, bytes], ops: list[Op]) -> list[tuple[str, dict[str, bytes]]]:
    """The folder's files after a power cut following each step (none done, the first, …, all).

    Two outcomes per step, as a power cut may leave them: every name change made so far kept, or
    only those made before the folder's last fsync (later creates and renames lost); in both,
    each file holds only what was fsynced (what LazyFS simulates by dropping unsynced data).
    """
    folder = _Folder()
    for name, data in before.items():
        folder.apply(Op("create", name))
        folder.files[folder.names[name]] = _File(bytearray(data), data)
    durable_names = dict(folder.names)
    states = []
    for step in range(len(ops) + 1):
        if step:
            op = ops[step - 1]
            folder.apply(op)
            if op.kind == "dirsync":
                durable_names = dict(folder.names)
        label = "before the save" if not step else f"after step {step} ({ops[step - 1].kind} {ops[step - 1].name})"
        for kept, names in (("names kept", folder.names), ("names since the last folder fsync lost", durable_names)):
            states.append((f"{label}, {kept}", {n: folder.files[i].synced for n, i in names.items() if i in folder.files}))
    return states


_COPIES = count()


def replay(states: list[tuple[str, dict[str, bytes]]], dest: Path, rel: Path, load: Callable[[Path], Any]) -> dict[str, Any]:
    """Write each crash state as the folder `rel` of a fresh copy under `dest` and load it there:
    label -> what `load(copy root)` returned, or "not loadable: <error>"."""
    seen: dict[str, Any] = {}
    for label, files in states:
        root = dest / str(next(_COPIES))
        (root / rel).mkdir(parents=True)
        for name, data in files.items():
            (root / rel / name).write_bytes(data)
        try:
            seen[label] = load(root)
        except Exception as exc:  # noqa: BLE001 - any failure to load is the finding
            seen[label] = f"not loadable: {exc}"
    return seen
