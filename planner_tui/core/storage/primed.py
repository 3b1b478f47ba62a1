"""Files decoded ahead by a long-lived process (the warm process), each handed once to the next call that reads the same bytes."""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any, BinaryIO, Callable

__all__ = ["reader", "ahead", "decoded", "read", "reads", "hold", "held", "HELD_BYTES"]

HELD_BYTES = 16 * 1024 * 1024
"""The most file bytes held decoded at once, the least recently read let go first; a file of more
than half of it is never held. Decoded, a session takes about 7 times its file (a 10,000-entry
session: 5.3 MB on disk, 35 MB held): the warm process stays under about 170 MB."""

_readers: dict[str, Callable[[bytes], Any]] = {}
_ahead: dict[str, list[Callable[[Any], None]]] = {}
_held: OrderedDict[tuple[str, str], tuple[bytes, Any]] = OrderedDict()
_reads: dict[tuple[str, str], None] = {}  # an ordered set: what this process decoded, once each


def reader(kind: str, decode: Callable[[bytes], Any]) -> None:
    """Name how files of `kind` are decoded: a pure function of their bytes (None for bytes it
    leaves to a slower, careful reader)."""
    _readers[kind] = decode


def ahead(kind: str, work: Callable[[Any], None]) -> None:
    """Have `work(result)` run where a file of `kind` is held, once it is decoded: it works out
    ahead, into this process's own caches, what the next call will ask of the result (each layer
    names its own: the memo keys of a session's texts, their plan blocks)."""
    _ahead.setdefault(kind, []).append(work)


def decoded(kind: str, path: str | os.PathLike[str], raw: bytes) -> Any:
    """`kind`'s reader applied to `raw`, read from `path`; the result the warm process decoded
    ahead when it read these very bytes.

    A held result is taken, not shared: a second read of the file in this process decodes again,
    so two readers (a session before and after an edit) never hold one object. A call's process is
    a fork of the warm process, so what it changes in a held result is its own copy.
    """
    key = (kind, os.path.abspath(path))
    _reads[key] = None
    held = _held.pop(key, None)
    if held is not None and held[0] == raw:  # the bytes themselves, not a time stamp, decide
        return held[1]
    return _readers[kind](raw)


def read(kind: str, path: str | os.PathLike[str], fh: BinaryIO) -> bytes:
    """The bytes of `fh`, open at the start of `path`: the bytes object held for it when the file
    still holds those very bytes (compared a piece at a time, so a call whose file is unchanged
    makes no copy of a 5 MB session), else the file read whole."""
    held = _held.get((kind, os.path.abspath(path)))
    if held is not None and os.fstat(fh.fileno()).st_size == len(held[0]):
        if _holds(fh, held[0]):
            return held[0]
        fh.seek(0)
    return fh.read()


_PIECE = 64 * 1024
"""Below malloc's threshold for a mapping of its own: the pieces reuse the same memory."""


def _holds(fh: BinaryIO, raw: bytes) -> bool:
    piece = bytearray(_PIECE)
    at = 0
    while n := fh.readinto(piece):
        if at + n > len(raw) or (piece if n == _PIECE else piece[:n]) != raw[at : at + n]:
            return False
        at += n
    return at == len(raw)


def reads() -> list[tuple[str, str]]:
    """Every (kind, absolute path) this process decoded through `decoded`, in the order first read."""
    return list(_reads)


def hold(kind: str, path: str) -> bool:
    """Read and decode `path` now, to hand it to the next call that reads the same bytes; False
    (nothing held) when it cannot be read, is too big, or its reader leaves it to the careful one."""
    decode = _readers.get(kind)
    key = (kind, path)
    before = _held.pop(key, None)
    if decode is None or not os.path.isabs(path):
        return False
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > HELD_BYTES // 2:
                return False
            raw = fh.read()
        # A call that only read the file leaves it as it was: what is held stays, undecoded again
        # (the next call may be waiting for this process while it decodes).
        value = before[1] if before is not None and before[0] == raw else decode(raw)
    except (OSError, ValueError, TypeError, RecursionError, MemoryError):
        return False
    if value is None:
        return False
    if before is None or before[1] is not value:
        for work in _ahead.get(kind, ()):
            work(value)
    _held[key] = (raw, value)
    while sum(len(r) for r, _ in _held.values()) > HELD_BYTES:
        _held.popitem(last=False)
    return True


def held() -> dict[str, int]:
    """How many files are held decoded, and their size in bytes."""
    return {"files": len(_held), "bytes": sum(len(raw) for raw, _ in _held.values())}
