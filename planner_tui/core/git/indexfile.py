"""Replace one entry of a git index file in place (formats 2 and 3), without reading it into libgit2."""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IndexFile", "UNMERGED"]

UNMERGED = "Not committed: the index has unmerged paths; resolve the conflicts first."

_HEADER = 12
_OID = 20  # SHA-1 repositories only; anything else is left to libgit2
_STAGE = 0x3000
_EXTENDED = 0x4000
_LONG_NAME = 0xFFF
# Extensions that describe entries by their position, or that only speed git up: dropped when
# an entry is inserted (git rebuilds them when it wants them). TREE is kept and invalidated.
_DROPPED = {b"UNTR", b"FSMN", b"EOIE", b"IEOT"}


class _Unsupported(Exception):
    """The index uses something this module does not rewrite (the caller uses libgit2 then)."""


@dataclass
class _Node:
    name: bytes
    entries: int
    subtrees: int
    oid: bytes | None
    children: list["_Node"]


def _parse_tree(buf: bytes, pos: int = 0) -> tuple[_Node, int]:
    nul = buf.index(b"\0", pos)
    name = buf[pos:nul]
    space = buf.index(b" ", nul + 1)
    newline = buf.index(b"\n", space + 1)
    entries = int(buf[nul + 1 : space])
    subtrees = int(buf[space + 1 : newline])
    pos = newline + 1
    oid = None
    if entries >= 0:
        oid, pos = buf[pos : pos + _OID], pos + _OID
    children = []
    for _ in range(subtrees):
        child, pos = _parse_tree(buf, pos)
        children.append(child)
    return _Node(name, entries, subtrees, oid, children), pos


def _write_tree(node: _Node, out: list[bytes]) -> None:
    out.append(node.name + b"\0" + str(node.entries).encode() + b" " + str(len(node.children)).encode() + b"\n")
    if node.entries >= 0 and node.oid is not None:
        out.append(node.oid)
    for child in node.children:
        _write_tree(child, out)


def _invalidate(tree_ext: bytes, path: bytes) -> bytes:
    """The cache-tree extension with every tree on the way to `path` marked as unknown (-1)."""
    root, end = _parse_tree(tree_ext)
    if end != len(tree_ext):
        raise _Unsupported("cache tree")
    node: _Node | None = root
    for part in [b""] + path.split(b"/")[:-1]:
        if node is None:
            break
        if part:
            node = next((c for c in node.children if c.name == part), None)
            if node is None:
                break
        node.entries, node.oid = -1, None
    out: list[bytes] = []
    _write_tree(root, out)
    return b"".join(out)


class IndexFile:
    """A git index file read as bytes, walked once, with one entry set and the bytes made again.

    Reading a 100,000-entry index into libgit2 and writing it back costs about 80 ms; walking
    its entries here costs about 20 ms and changing one entry is a splice. Only what this
    knows to be safe is done: formats 2 and 3, SHA-1, no split index, no sparse index;
    `load` returns None for anything else, and the caller uses libgit2.
    """

    def __init__(self, data: bytes, stamp: float) -> None:
        self.data = data
        self.stamp = int(stamp)
        """The index file's mtime in seconds: entries as new as this are racily clean."""
        if data[:4] != b"DIRC" or len(data) < _HEADER + _OID:
            raise _Unsupported("not an index")
        self.version = int.from_bytes(data[4:8], "big")
        if self.version not in (2, 3):
            raise _Unsupported(f"index version {self.version}")
        if hashlib.sha1(data[:-_OID]).digest() != data[-_OID:]:
            raise _Unsupported("checksum")  # SHA-256 repositories land here too
        self.count = int.from_bytes(data[8:12], "big")
        self.offsets: list[int] = []
        self.racy: list[int] = []
        self.unmerged = False
        self.end = self._walk()
        self.extensions = self._extensions()

    @classmethod
    def load(cls, git_dir: Path) -> "IndexFile | None":
        """The repository's index, or None when libgit2 should handle it (or there is none)."""
        path = git_dir / "index"
        try:
            with open(path, "rb") as fh:
                stamp = os.fstat(fh.fileno()).st_mtime
                data = fh.read()
            return cls(data, stamp)
        except (OSError, _Unsupported, ValueError, IndexError):
            return None

    def _walk(self) -> int:
        data, off, stamp = self.data, _HEADER, self.stamp.to_bytes(4, "big")
        offsets, racy = self.offsets, self.racy
        unmerged = False
        for _ in range(self.count):
            flags = data[off + 60] << 8 | data[off + 61]
            if flags & _STAGE:
                unmerged = True
            if data[off + 8 : off + 12] >= stamp:
                racy.append(off)
            head = 64 if flags & _EXTENDED else 62
            length = flags & _LONG_NAME
            if length == _LONG_NAME:
                length = data.index(b"\0", off + head) - off - head
            offsets.append(off)
            off += (head + length + 8) & ~7
        self.unmerged = unmerged
        return off

    def _extensions(self) -> list[tuple[bytes, bytes]]:
        data, pos, stop = self.data, self.end, len(self.data) - _OID
        found = []
        while pos < stop:
            sig, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
            body = data[pos + 8 : pos + 8 + size]
            if len(body) != size:
                raise _Unsupported("truncated extension")
            if not (b"A" <= sig[:1] <= b"Z"):  # lower case: git requires understanding it (link, sdir)
                raise _Unsupported(sig.decode("latin-1"))
            found.append((sig, body))
            pos += 8 + size
        if pos != stop:
            raise _Unsupported("extensions")
        return found

    def _name(self, off: int) -> bytes:
        data = self.data
        flags = data[off + 60] << 8 | data[off + 61]
        head = 64 if flags & _EXTENDED else 62
        length = flags & _LONG_NAME
        if length == _LONG_NAME:
            length = data.index(b"\0", off + head) - off - head
        return data[off + head : off + head + length]

    def _position(self, path: bytes) -> tuple[int, bool]:
        # Entries are sorted by name (bytes), then stage; stage 0 comes first.
        at = bisect_left(self.offsets, path, key=self._name)
        return at, at < len(self.offsets) and self._name(self.offsets[at]) == path

    def staged(self, path: str) -> str | None:
        """The blob id (hex) the index holds for path, or None."""
        at, present = self._position(path.encode("utf-8"))
        if not present:
            return None
        off = self.offsets[at]
        return self.data[off + 40 : off + 60].hex()

    def with_entry(self, path: str, oid_hex: str, mode: int) -> bytearray:
        """The index bytes with `path` set to this blob and mode, every other entry as it was.

        The new entry has no stat data (size 0), so git compares its content once, as after a
        libgit2 write; entries as new as the old index get their size zeroed, as git does on
        every write, so a same-second edit is never taken for clean.
        """
        name = path.encode("utf-8")
        at, present = self._position(name)
        entry = bytearray(40)
        entry[24:28] = mode.to_bytes(4, "big")
        entry += bytes.fromhex(oid_hex)
        entry += min(len(name), _LONG_NAME).to_bytes(2, "big")
        entry += name
        entry += b"\0" * (((62 + len(name) + 8) & ~7) - 62 - len(name))
        body = bytearray(memoryview(self.data)[: self.end])
        for off in self.racy:
            body[off + 36 : off + 40] = b"\0\0\0\0"
        start = self.offsets[at] if at < len(self.offsets) else self.end
        stop = (self.offsets[at + 1] if at + 1 < len(self.offsets) else self.end) if present else start
        body[start:stop] = entry
        body[8:12] = (self.count + (0 if present else 1)).to_bytes(4, "big")
        for sig, ext in self.extensions:
            if sig in _DROPPED:
                continue
            if sig == b"TREE":
                ext = _invalidate(ext, name)
            body += sig + len(ext).to_bytes(4, "big") + ext
        body += hashlib.sha1(body).digest()
        return body
