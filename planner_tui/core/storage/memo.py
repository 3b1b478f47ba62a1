"""Results of pure text checks remembered across processes under `.planner-tui/cache/`, keyed by a hash of the text."""

from __future__ import annotations

import hashlib
import sys
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar


from planner_tui.core.storage.files import STATE_DIR, read_json, write_state_json

__all__ = ["Space", "recall", "recall_each", "recall_joined", "remembering", "across_calls", "remember_across_processes", "digest", "digest_each", "rows", "strings", "FORMAT", "WORTH"]

T = TypeVar("T")
R = TypeVar("R")

FORMAT = 1
"""Of the files' layout; a file of any other format, or of another checker version, is ignored (and replaced)."""
WORTH = 0.02
"""Seconds of checking a call must have spent on texts it did not find before its results are
written: a small session checks faster than a write (with its fsync) would save, and is never written."""

_MISSING: Any = object()
_BAD: Any = object()


class Space(Generic[T]):
    """One pure function of a text whose results are remembered, in `cache/memo-<name>.json`.

    `sources` are the modules whose code decides the result: the file is trusted only while their
    source, planner-tui's, Python's and `libraries`' versions are the ones that wrote it.
    `encode` makes a result JSON data; `decode` makes it back and raises (ValueError, TypeError,
    KeyError, IndexError) for anything the encoder never writes, which is then computed again.
    A file keeps the results the last call that wrote it used, and `keep` more of the older ones
    (another session's, a text since edited), so it stays the size of what is checked.
    """

    __slots__ = ("name", "sources", "encode", "decode", "libraries", "keep")

    # A plain class: a dataclass costs a millisecond at import, on every command's path.
    def __init__(
        self,
        name: str,
        sources: tuple[str, ...],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
        libraries: tuple[str, ...] = (),
        *,
        keep: int = 20_000,
    ) -> None:
        self.name, self.sources, self.encode, self.decode, self.libraries, self.keep = name, sources, encode, decode, libraries, keep

    def version(self) -> str | None:
        """The checker's version: a hash of its code and of what runs it; None when its code cannot be read."""
        from planner_tui import __version__

        h = hashlib.blake2b(digest_size=16)
        h.update(f"{__version__}|{sys.version}|{'|'.join(self.libraries)}".encode())
        for source in self.sources:
            try:
                h.update(Path(source).read_bytes())
            except OSError:
                return None
        return h.hexdigest()


def rows(make: Callable[..., R], *fields: type | tuple[type, ...] | frozenset) -> Callable[[Any], tuple[R, ...]]:
    """A `decode` for a list of rows, each a list of one value per field: `make(*row)` for each.
    A field is the type (or types) its value has, or the set of the values it may take."""

    def decode(raw: Any) -> tuple[R, ...]:
        if not isinstance(raw, list):
            raise ValueError("not a list of rows")
        for row in raw:
            if not isinstance(row, list) or len(row) != len(fields) or not all(_fits(v, f) for v, f in zip(row, fields)):
                raise ValueError("not a row this space writes")
        return tuple(make(*row) for row in raw)

    return decode


def _fits(value: Any, field: type | tuple[type, ...] | frozenset) -> bool:
    if isinstance(field, frozenset):
        return isinstance(value, str) and value in field
    return isinstance(value, field)


def strings(raw: Any) -> tuple[str, ...]:
    """A `decode` for a list of strings."""
    if not isinstance(raw, list) or not all(map(isinstance, raw, repeat(str))):  # in C: a topic's words are thousands
        raise ValueError("not a list of strings")
    return tuple(raw)


def digest(text: str) -> str:
    """The key of a text: its blake2b-128 hash (any str, lone surrogates included)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _Store:
    """One space's file as read (each distinct result kept once, texts pointing at it) and what this call learnt."""

    def __init__(self, space: Space, root: Path) -> None:
        self.space = space
        self.root = root
        self.rel = f"cache/memo-{space.name}.json"
        """Under the state folder."""
        self._version: Any = _MISSING
        self.items: dict[str, Any] = {}
        """Text hash -> index in `values`, as read (an index may be anything: it is checked on use)."""
        self.values: list[Any] = []
        self.decoded: dict[int, Any] = {}
        self.fresh: dict[str, Any] = {}
        """Text hash -> result computed in this call."""
        self.used: set[str] = set()
        """Text hashes whose remembered result this call used."""
        self.spent = 0.0
        """Seconds spent computing the fresh results."""
        self._read()

    @property
    def version(self) -> str | None:
        """The checker's version, asked only when a file is read or written (a call that finds
        no file, a small session's, reads no source)."""
        if self._version is _MISSING:
            self._version = self.space.version()
        return self._version

    def _read(self) -> None:
        data = read_json(self.root / STATE_DIR / self.rel)
        if data is None or self.version is None:
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != self.version:
            return
        items, values = data.get("items"), data.get("values")
        if isinstance(items, dict) and isinstance(values, list):
            self.items, self.values = items, values

    def get(self, key: str) -> Any:
        """The result remembered for a text hash, or _MISSING."""
        value = self.value_at(self.items.get(key))
        if value is not _MISSING and value is not _BAD:
            self.used.add(key)
            return value
        return self.fresh.get(key, _MISSING)

    def value_at(self, at: Any) -> Any:
        """The file's result at this index, decoded once; _BAD when it does not decode, _MISSING
        when the index is none (a text the file lacks, or a damaged index)."""
        if not (type(at) is int and 0 <= at < len(self.values)):
            return _MISSING
        value = self.decoded.get(at, _MISSING)
        if value is _MISSING:
            try:
                value = self.space.decode(self.values[at])
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
                value = _BAD
            self.decoded[at] = value
        return value

    def data(self) -> dict[str, Any]:
        """The file's new content: the results this call computed and used, then `keep` older ones."""
        values: list[Any] = []
        slots: dict[str, int] = {}

        def slot(raw: Any) -> int:
            name = repr(raw)  # lists, strings, numbers and None: the same value, the same repr
            if name not in slots:
                slots[name] = len(values)
                values.append(raw)
            return slots[name]

        items = {key: slot(self.space.encode(value)) for key, value in self.fresh.items()}
        moved: dict[int, int] = {}
        older = 0
        for used in (True, False):
            for key, at in self.items.items():
                if key in items or (key in self.used) is not used or not (type(at) is int and 0 <= at < len(self.values)):
                    continue
                if not used:
                    if older >= self.space.keep:
                        break
                    older += 1
                if at not in moved:
                    moved[at] = slot(self.values[at])
                items[key] = moved[at]
        return {"format": FORMAT, "version": self.version, "values": values, "items": items}


_DIGESTS: dict[str, str] = {}
"""Text -> `digest(text)` in this process: filled by the checks of a call, and ahead of the call by
the warm process for the sessions it holds (`digest_each`)."""
_DIGESTS_KEPT = 200_000


def _keys(texts: list[str]) -> list[str]:
    """The key of each text, each worked out once in this process (for at most `_DIGESTS_KEPT` texts)."""
    keys = list(map(_DIGESTS.get, texts))
    if None in keys:
        if len(_DIGESTS) > _DIGESTS_KEPT:
            _DIGESTS.clear()
        for at, key in enumerate(keys):
            if key is None:
                keys[at] = _DIGESTS[texts[at]] = digest(texts[at])
    return keys


def digest_each(texts: Iterable[str]) -> None:
    """Work out the key of each text ahead, so that a later call (a fork of this process) finds it."""
    _keys(list(texts))


class _Memory:
    """What one `remembering` block reads and learns, per space; written when the block ends."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.stores: dict[str, _Store] = {}

    def store(self, space: Space) -> _Store:
        found = self.stores.get(space.name)
        if found is None:
            found = self.stores[space.name] = _Store(space, self.root)
        return found

    def save(self) -> None:
        for store in self.stores.values():
            if not store.fresh or store.spent < WORTH or store.version is None:
                continue
            # A read-only project checks the same, only not faster next time.
            write_state_json(self.root, store.rel, store.data())


_ACTIVE: ContextVar[_Memory | None] = ContextVar("planner_tui_memo", default=None)
_ACROSS = False


def remember_across_processes() -> None:
    """Let `across_calls` keep results under the state folder in this process: the command line,
    one process a call, whose in-process caches start empty every time. The workbench and the MCP
    server live long and keep theirs in memory: reading and writing the files after each change
    would only cost them (a 10,000-entry session's files are over 1 MB of JSON)."""
    global _ACROSS
    _ACROSS = True


def across_calls(root: Path) -> AbstractContextManager[None]:
    """`remembering(root)` where `remember_across_processes` was called, else a block that does nothing."""
    return remembering(root) if _ACROSS else nullcontext()


@contextmanager
def remembering(root: Path) -> Iterator[None]:
    """Inside the block, `recall` reads and remembers results under `root`'s state folder; the
    results learnt are written when the block ends (when they were worth it). A block inside
    another one (for the same root) shares it."""
    active = _ACTIVE.get()
    if active is not None and active.root == Path(root):
        yield
        return
    memory = _Memory(root)
    token = _ACTIVE.set(memory)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
        memory.save()


def recall(space: Space[T], text: str, compute: Callable[[str], T]) -> T:
    """`compute(text)`, or the result remembered for this text by this version of the checker.

    Outside a `remembering` block it is `compute(text)`; a remembered result that does not decode
    is computed again."""
    return recall_each(space, (text,), compute, compute)[0]


def recall_each(space: Space[T], texts: Iterable[str], compute: Callable[[str], T], alone: Callable[[str], T]) -> list[T]:
    """`recall` for many texts in one loop (a session's entries); outside a `remembering` block,
    `alone(text)` for each (the caller's own in-process cache of `compute`)."""
    memory = _ACTIVE.get()
    if memory is None:
        return [alone(text) for text in texts]
    texts = list(texts)
    keys = _keys(texts)  # one hash per text, however many spaces ask for it
    return _recall_keys(memory.store(space), keys, lambda at: compute(texts[at]))


def recall_joined(space: Space[T], texts: Iterable[str], compute: Callable[[list[str]], T]) -> T:
    """`compute(texts)` for a pure function of the texts taken together, remembered under a hash
    of their keys: a topic of thousands of entries whose keys are known (the warm process works
    them out ahead) is found without joining and hashing all of its text."""
    texts = list(texts)
    memory = _ACTIVE.get()
    if memory is None:
        return compute(texts)
    key = digest("\n".join(_keys(texts)))  # a key is hex: the line break never occurs in one
    return _recall_keys(memory.store(space), [key], lambda _: compute(texts))[0]


def _recall_keys(store: _Store, keys: list[str], compute: Callable[[int], T]) -> list[T]:
    """The result remembered for each key, else `compute(at)` for the key at `at` (and learnt)."""
    try:
        # Most texts share a few results: each decoded once, then every text's found by its
        # index in the file, in C rather than a Python loop per text (10,000 entries, three
        # checks each).
        ats = list(map(store.items.get, keys))
        for at in set(ats).difference(store.decoded):
            store.value_at(at)
        out = list(map(store.decoded.get, ats, repeat(_MISSING)))
    except TypeError:  # an index that cannot be a key (a damaged file): each text the careful way
        out = [_MISSING] * len(keys)
    store.used.update(keys)  # a key this call computes afresh is written first anyway (`data`)
    if out.count(_MISSING) or out.count(_BAD):
        for at, value in enumerate(out):
            if value is _MISSING or value is _BAD:
                value = store.get(keys[at])
                if value is _MISSING:
                    start = time.perf_counter()
                    value = store.fresh[keys[at]] = compute(at)
                    store.spent += time.perf_counter() - start
                out[at] = value
    return out
