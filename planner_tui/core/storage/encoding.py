"""Save-time speed for big sessions: the session file's bytes and frozen copies, rebuilt per changed entry."""

from __future__ import annotations

import copy
import re
from operator import attrgetter, is_
from typing import Any

from planner_tui.core.storage.migrate import encode_session
from planner_tui.core.models import Entry, Session, TopicState

__all__ = ["SessionEncoder"]

_ENTRY_PAD = " " * 8  # entries sit at depth 4 of the file: {"topics": [{"entries": [{...}]}]}
_TOPIC_PAD = " " * 4
_ENTRIES_KEY = '\n      "entries": []'
_TOPICS_KEY = '\n  "topics": []'
# The first and last line of every entry in the file: 8 spaces then `{` or `}` (deeper lines have
# more spaces, and a JSON string never holds a raw newline).
_ENTRY_EDGE = re.compile(rb"\n        [{}]")
_FEW = 64


_EXTRA = attrgetter("__pydantic_extra__")


def _values(entries: list[Entry]) -> list[tuple[Any, ...]]:
    # One tuple of field values per entry, built without a Python-level loop.
    return list(map(tuple, map(dict.values, map(vars, entries))))


def _extra_sizes(entries: list[Entry]) -> list[int]:
    # Extra fields live outside `vars()`: one assigned in place (reconfirm's `settled` on an
    # entry that had none) shows as a size change. Entries that have extras are compared in
    # depth besides (`_deep`).
    try:
        return list(map(len, map(_EXTRA, entries)))
    except TypeError:  # an entry without an extras dict: count the slow way
        return [len(e.__pydantic_extra__ or ()) for e in entries]


def _deep(entry: Entry) -> tuple[Any, ...] | None:
    """What a plain comparison of field values cannot see: the citation's fields and the extras.

    Both can change in place (`entry.cite.line = 3`, `entry.settled.append(k)`), so they are
    kept as copies; None for the common entry with neither.
    """
    cite = entry.cite
    extra = entry.__pydantic_extra__
    if cite is None and not extra:
        return None
    cite_part = None
    if cite is not None:
        cite_part = (tuple(cite.__dict__.values()), copy.deepcopy(cite.__pydantic_extra__ or None))
    return cite_part, copy.deepcopy(extra or None)


def _deep_same(entry: Entry, kept: tuple[Any, ...] | None) -> bool:
    """True when the citation and extras still equal the copies `_deep` kept (nothing is copied)."""
    cite = entry.cite
    extra = entry.__pydantic_extra__ or None
    if kept is None:
        return cite is None and extra is None
    cite_part, extra_copy = kept
    if cite is None or cite_part is None:
        if cite is not cite_part:  # one of them is None and the other is not
            return False
    elif tuple(cite.__dict__.values()) != cite_part[0] or (cite.__pydantic_extra__ or None) != cite_part[1]:
        return False
    return extra == extra_copy


class _Seen:
    """One entry as last saved: its JSON as it sits in the file, and a frozen copy of it."""

    __slots__ = ("entry", "values", "deep", "json", "frozen")

    def __init__(self, entry: Entry, values: tuple[Any, ...]) -> None:
        self.entry = entry
        self.values = values
        self.deep = _deep(entry)
        self.json: bytes | None = None
        self.frozen: Entry | None = None

    def same(self, entry: Entry, values: tuple[Any, ...]) -> bool:
        return self.entry is entry and self.values == values and _deep_same(entry, self.deep)

    def as_json(self) -> bytes:
        if self.json is None:
            text = self.entry.model_dump_json(indent=2)
            self.json = (_ENTRY_PAD + text.replace("\n", "\n" + _ENTRY_PAD)).encode("utf-8")
        return self.json

    def as_frozen(self) -> Entry:
        if self.frozen is None:
            twin = self.entry.model_copy()
            if twin.cite is not None:
                twin.__dict__["cite"] = twin.cite.model_copy(deep=True)
            if self.entry.__pydantic_extra__:
                twin.__pydantic_extra__ = copy.deepcopy(self.entry.__pydantic_extra__)
            self.frozen = twin
        return self.frozen


class _Thread:
    """One topic's entries as last seen."""

    __slots__ = ("topic", "entries", "values", "extras", "seen", "rich", "body")

    def __init__(
        self, topic: TopicState, entries: list[Entry], values: list[tuple[Any, ...]], extras: list[int], seen: list[_Seen]
    ) -> None:
        self.topic = topic
        self.entries = list(entries)
        self.values = values
        self.extras = extras
        self.seen = seen
        self.rich = [s for s in seen if s.deep is not None]
        self.body: bytes | None = None
        """The entries' JSON joined, once asked for."""

    def entries_json(self) -> bytes:
        if self.body is None:
            self.body = b",\n".join([s.as_json() for s in self.seen])
        return self.body

    def unchanged(self, topic: TopicState, values: list[tuple[Any, ...]], extras: list[int]) -> bool:
        entries = topic.entries
        return (
            self.topic is topic
            and len(entries) == len(self.entries)
            and all(map(is_, entries, self.entries))
            and values == self.values
            and extras == self.extras  # an extra added in place (reconfirm's `settled`)
            and all(_deep_same(s.entry, s.deep) for s in self.rich)
        )

    def missing_json(self) -> int:
        """How many entries have no JSON yet (0 once the topic was encoded)."""
        return 0 if self.body is not None else sum(1 for s in self.seen if s.json is None)


class SessionEncoder:
    """Makes `encode_session(session)` bytes and thread-safe copies of a session, cheaply.

    Between two saves almost every entry is unchanged, so each entry's JSON (already indented
    for its place in the file) and a frozen copy are kept and rebuilt only for entries whose
    field values differ from what was seen last (compared topic by topic, in C loops, copies
    of citations and extra fields compared in depth). A save of a 10,000-entry session then
    costs a few milliseconds, not a full serialisation; the bytes equal `encode_session`'s
    for a session equal to it (tests compare the two).
    """

    def __init__(self) -> None:
        self._threads: dict[int, _Thread] = {}

    @staticmethod
    def _plain(session: Session) -> bool:
        # Subclasses or raw dicts in the lists serialise their own way: leave those to pydantic.
        return type(session) is Session and all(
            type(t) is TopicState and set(map(type, t.entries)) <= {Entry} for t in session.topics
        )

    def _threads_of(self, session: Session) -> list[_Thread]:
        fresh: dict[int, _Thread] = {}
        out = []
        for topic in session.topics:
            values, extras = _values(topic.entries), _extra_sizes(topic.entries)
            known = self._threads.get(id(topic))
            if known is None or not known.unchanged(topic, values, extras):
                old = {id(s.entry): s for s in known.seen} if known is not None else {}
                seen = []
                for entry, vals in zip(topic.entries, values):
                    hit = old.get(id(entry))
                    seen.append(hit if hit is not None and hit.same(entry, vals) else _Seen(entry, vals))
                known = _Thread(topic, topic.entries, values, extras, seen)
            fresh[id(topic)] = known
            out.append(known)
        self._threads = fresh
        return out

    def encode(self, session: Session) -> bytes:
        """The session file's bytes, as `encode_session(session)` makes them."""
        if not self._plain(session):
            return encode_session(session)
        threads = self._threads_of(session)
        missing = sum(t.missing_json() for t in threads)
        if missing > max(_FEW, sum(len(t.seen) for t in threads) // 4):
            seen = [s for t in threads for s in t.seen]
            # Mostly new entries (just opened, or another writer's file): pydantic serialises the
            # whole session faster than entry by entry; the entries' JSON is cut out of it after.
            data = encode_session(session)
            self._learn(seen, data)
            return data
        # The file is assembled from parts and joined once: a 5 MB session is copied once, not
        # once per concatenation.
        topics: list[list[bytes]] = []
        for thread in threads:
            skeleton = thread.topic.model_copy(update={"entries": []}).model_dump_json(indent=2)
            skeleton = _TOPIC_PAD + skeleton.replace("\n", "\n" + _TOPIC_PAD)
            head, sep, tail = skeleton.partition(_ENTRIES_KEY)
            if not sep:  # pragma: no cover - the skeleton always has the key
                return encode_session(session)
            if thread.seen:
                topics.append([head.encode(), b'\n      "entries": [\n', thread.entries_json(), b"\n      ]", tail.encode()])
            else:
                topics.append([skeleton.encode()])
        outer = session.model_copy(update={"topics": []}).model_dump_json(indent=2)
        head, sep, tail = outer.partition(_TOPICS_KEY)
        if not sep:  # pragma: no cover
            return encode_session(session)
        if not topics:
            return outer.encode() + b"\n"
        parts = [head.encode(), b'\n  "topics": [\n']
        for n, topic_parts in enumerate(topics):
            if n:
                parts.append(b",\n")
            parts.extend(topic_parts)
        parts += [b"\n  ]", tail.encode(), b"\n"]
        return b"".join(parts)

    @staticmethod
    def _learn(seen: list[_Seen], data: bytes) -> None:
        edges = [m.start() for m in _ENTRY_EDGE.finditer(data)]
        opens, closes = edges[0::2], edges[1::2]
        if len(opens) != len(seen) or len(closes) != len(seen):
            return
        if any(data[a + 9] != 0x7B for a in opens) or any(data[b + 9] != 0x7D for b in closes):
            return
        for item, start, end in zip(seen, opens, closes):
            item.json = data[start + 1 : end + 10]

    def snapshot(self, session: Session) -> Session:
        """A copy of the session that later changes never touch, to read from another thread.

        Unchanged entries share their frozen copy with the previous snapshot, so this costs a
        check per entry rather than a deep copy of the session.
        """
        if not self._plain(session):
            return session.model_copy(deep=True)
        topics = []
        for thread in self._threads_of(session):
            topic = thread.topic
            twin = topic.model_copy(update={"entries": [s.as_frozen() for s in thread.seen]})
            if topic.__pydantic_extra__:
                twin.__pydantic_extra__ = copy.deepcopy(topic.__pydantic_extra__)
            topics.append(twin)
        out = session.model_copy(update={"topics": topics})
        if session.__pydantic_extra__:
            out.__pydantic_extra__ = copy.deepcopy(session.__pydantic_extra__)
        return out
