"""Names earlier role plans define (tables, columns, queues, env vars) and entries that spell them differently."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path
from typing import Callable, Iterable, Literal, NamedTuple

from planner_tui.core.models import PLAN_KINDS, Blocker, Entry, Epic, RoleSpec, Session
from planner_tui.core.storage.memo import Space, recall, recall_each, rows
from planner_tui.core.text.contain import PER_ENTRY_CACHE
from planner_tui.core.text.names import near_miss, split_outside_brackets
from planner_tui.core.text.reading import read_text_safely

__all__ = ["NameKind", "Defined", "Definitions", "Mention", "Contradiction", "CHECKED_KINDS", "extract_definitions",
           "load_definitions", "mentions", "near_miss", "find_contradictions", "contradiction_blockers", "settled_keys", "settle"]

NameKind = Literal["table", "column", "queue", "env"]
CHECKED_KINDS = PLAN_KINDS
"""Entry kinds that land in the plan and are checked against the earlier plans."""

_WORD = {"table": "table", "column": "column", "queue": "queue", "env": "environment variable"}

_ID = r"[a-z][a-z0-9_]*"
_QID = r"[a-z0-9][a-z0-9_-]*"
_ENV = re.compile(r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![A-Za-z0-9_])")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]")

# Definitions in earlier plans: only the explicit forms, so a stray word never becomes a name.
# Keywords match in any case ((?i:…)); names stay lowercase snake_case (queues may have dashes).
_TABLE_DEF = [
    re.compile(rf"^\s*(?:[-*+]\s+)?\*\*`?({_ID})`?\*\*"),  # - **invitations**
    re.compile(rf"\b(?i:table):?\s+`({_ID})`"),  # table `x`, Table: `x`
    re.compile(rf"\bTable:\s*({_ID})\b"),  # Table: x
    re.compile(rf"`({_ID})`\s+(?i:table)\b"),  # `x` table
    re.compile(rf"\bcreate_({_ID})_table\b"),  # create_x_table
]
_TABLE_REF = re.compile(rf"(?:→|->|\b(?i:references)\s|\b(?i:on)\s)\s*`?({_ID})\.({_ID})`?")
_COLUMNS = re.compile(r"\b(?i:columns?):\s*(.+)$")
_PROPERTY = re.compile(rf"`?\b({_ID})`?\s*=>\s*['\"`]?[\w\\]")
_QUEUE = [
    re.compile(rf"`({_QID})`\s+(?i:queue)\b"),  # `mail` queue
    re.compile(rf"\b(?i:queue):?\s+`({_QID})`"),  # queue `mail`, queue: `mail`
    re.compile(rf"\b(?i:queue):\s*({_QID})\b"),  # queue: mail
    re.compile(rf"\bonQueue\(\s*['\"]({_QID})['\"]"),  # ->onQueue('mail')
    re.compile(rf"\b(?i:queued\s+on\s+(?:the\s+)?)`({_QID})`"),  # queued on `sync`
    re.compile(rf"\b(?i:(?:on|to|onto|into|the)\s+(?:the\s+)?)({_QID})\s+(?i:queue)\b"),  # on the mail queue
    re.compile(rf"^\s*[-*+]\s+({_QID})\s+(?i:queue)\b"),  # - mail queue: ...
]
# Mentions in entries may also use the bare forms.
_TABLE_USE = _TABLE_DEF[1:] + [re.compile(rf"\b({_ID})\s+(?i:table)\b")]
_COLUMN_USE = [
    re.compile(rf"`({_ID})`\s+(?i:column)\b"),
    re.compile(rf"\b(?i:column):?\s+`({_ID})`"),
    re.compile(rf"\b({_ID})\s+(?i:column)\b"),
]
_ON = r"\s+(?i:on|to|in|of|for)\s+(?i:the\s+)?`?"
_COLUMN_ON = [
    re.compile(rf"`?({_ID})`?\s+(?i:column){_ON}({_ID})`?"),
    re.compile(rf"\b(?i:column):?\s+`({_ID})`{_ON}({_ID})`?"),
    re.compile(rf"\b(?i:add(?:s|ing)?\s+(?:an?\s+|the\s+)?(?:nullable\s+)?)`({_ID})`\s+(?i:column\s+)?(?i:to)\s+(?i:the\s+)?`?({_ID})`?"),
]
_DOTTED = re.compile(rf"(?<![\w./-])`?({_ID})\.({_ID})`?(?![\w(/-])")
_BACKTICKED = re.compile(rf"`({_ID})`")
_NOT_COLUMN = frozenset(
    {"php", "js", "ts", "md", "json", "yml", "yaml", "env", "blade", "css", "html", "txt", "log", "mmd", "com", "io",
     "test", "jpg", "jpeg", "png", "heic", "webp", "gif", "pdf", "svg", "csv", "xml", "sql", "sh", "py", "zip"}
)
_STOP = frozenset(
    {
        "a", "an", "the", "this", "that", "its", "their", "our", "one", "each", "every", "same", "new", "own",
        "separate", "dedicated", "existing", "single", "other", "another", "which", "whole", "pivot", "join",
        "lookup", "extra", "nullable", "json", "job", "jobs", "retry", "failed", "dead", "any", "no", "per",
    }
)


class Defined(NamedTuple):
    """A name an earlier plan defines, and where."""

    kind: NameKind
    name: str
    source: str
    """Project-relative path of the plan."""
    line: int
    table: str | None = None
    """For columns: the table whose column list holds it (None for a free property)."""


@dataclass
class Definitions:
    """Every name the earlier plans define, by kind, with the column lists of their tables."""

    names: list[Defined] = field(default_factory=list)
    columns: dict[str, set[str]] = field(default_factory=dict)
    """Table -> its columns, for tables whose plan lists them."""
    columns_at: dict[str, Defined] = field(default_factory=dict)
    """Table -> where its column list is."""

    def of(self, kind: NameKind) -> dict[str, Defined]:
        """The first definition of each name of a kind."""
        out: dict[str, Defined] = {}
        for d in self.names:
            if d.kind == kind:
                out.setdefault(d.name, d)
        return out

    def all_names(self) -> set[str]:
        return {d.name for d in self.names}

    def merge(self, other: "Definitions") -> None:
        self.names.extend(other.names)
        for table, cols in other.columns.items():
            self.columns.setdefault(table, set()).update(cols)
            self.columns_at.setdefault(table, other.columns_at[table])


class Mention(NamedTuple):
    """A name an entry uses."""

    kind: NameKind | Literal["name"]
    """`name` is a backticked snake_case word of no stated kind (checked against tables only)."""
    name: str
    table: str | None = None


class Contradiction(NamedTuple):
    """An entry naming something an earlier plan defines differently."""

    topic: str
    entry: str
    kind: NameKind
    used: str
    defined: str | None
    """The earlier plan's spelling (None when a column is simply missing from its table)."""
    table: str | None
    source: str
    line: int
    message: str

    @property
    def key(self) -> str:
        """Stable id of this difference, kept on the entry once a person settles it."""
        return f"{self.kind}:{self.table or ''}:{self.used}:{self.defined or ''}"


# --------------------------------------------------------------------------- definitions


def _split_top(text: str) -> list[str]:
    """Split at commas outside parentheses: `a, b enum(x, y), c` -> three items."""
    return [p.strip() for p in split_outside_brackets(text) if p.strip()]


def _column_names(listing: str) -> list[str]:
    names = []
    for item in _split_top(listing.rstrip(".;")):
        item = item.strip("`* ")
        low = item.lower()
        if low.startswith("timestamps"):
            names += ["created_at", "updated_at"]
            continue
        if low.startswith(("softdeletes", "soft deletes")):
            names.append("deleted_at")
            continue
        m = re.match(r"(?:foreignId|foreignIdFor|string|integer)\(\s*['\"](\w+)['\"]", item)
        if m:
            names.append(m.group(1).lower())
            continue
        m = re.match(r"`?([A-Za-z_][A-Za-z0-9_]*)`?", item)
        if m:
            names.append(m.group(1).lower())
    return names


def extract_definitions(text: str, source: str) -> Definitions:
    """The tables, columns, queues and env vars a plan defines (lines are 1-based)."""
    defs = Definitions()
    current: str | None = None  # the table the following nested lines describe
    for no, line in enumerate(text.splitlines(), start=1):
        if _HEADING.match(line):
            current = None
            continue
        tables = []
        for pattern in _TABLE_DEF:
            tables += [m.group(1) for m in pattern.finditer(line)]
        for name in dict.fromkeys(tables):
            defs.names.append(Defined("table", name, source, no))
        if tables:
            current = tables[0]
        for m in _TABLE_REF.finditer(line):
            defs.names.append(Defined("table", m.group(1), source, no))
        cols = _COLUMNS.search(line)
        if cols and current:
            names = _column_names(cols.group(1))
            defs.columns.setdefault(current, set()).update(names)
            defs.columns_at.setdefault(current, Defined("column", current, source, no, current))
            defs.names.extend(Defined("column", c, source, no, current) for c in names)
        for m in _PROPERTY.finditer(line):
            defs.names.append(Defined("column", m.group(1), source, no, current))
        for pattern in _QUEUE:
            for m in pattern.finditer(line):
                if m.group(1).lower() not in _STOP:
                    defs.names.append(Defined("queue", m.group(1), source, no))
        for m in _ENV.finditer(line):
            defs.names.append(Defined("env", m.group(1), source, no))
    return defs


def _earlier_roles(epic: Epic, role_key: str) -> list[str]:
    head = role_key.split("-", 1)[0]
    if not (head.isascii() and head.isdigit()):
        return []
    return [r for r in epic.roles if r[:2].isascii() and r[:2].isdigit() and int(r[:2]) < int(head)]


@lru_cache(maxsize=64)
def _definitions_of(text: str, source: str) -> Definitions:
    # Asked on every status, render and commit; the earlier plans rarely change between two
    # asks. Safe to share: merge() copies what it takes and never changes its argument.
    return extract_definitions(text, source)


def load_definitions(root: Path, epic: Epic, role_key: str) -> Definitions:
    """What the plans of the roles before this one define (read safely; unreadable ones skipped)."""
    defs = Definitions()
    for key in _earlier_roles(epic, role_key):
        rel = f"{epic.path}/roles/{key}.md"
        result = read_text_safely(Path(root), rel)
        if result.state == "present":
            defs.merge(_definitions_of(result.text, rel))
    return defs


# --------------------------------------------------------------------------- mentions


def mentions(text: str) -> list[Mention]:
    """The tables, columns, queues and env vars a piece of text names (in order, without repeats)."""
    return list(_mentions(text))


# A text's mentions, remembered across calls under the state folder (see `core.storage.memo`).
_ROWS = rows(Mention, frozenset({"table", "column", "queue", "env", "name"}), str, (str, type(None)))
_MEMO: Space[tuple[Mention, ...]] = Space("mentions", (__file__, near_miss.__code__.co_filename), lambda ms: [[m.kind, m.name, m.table] for m in ms], _ROWS)


@lru_cache(maxsize=PER_ENTRY_CACHE)
def _mentions(text: str) -> tuple[Mention, ...]:
    # Asked for every entry on every render; the answer depends on the text alone.
    return recall(_MEMO, text, _find_mentions)


def _find_mentions(text: str) -> tuple[Mention, ...]:
    found: list[Mention] = []
    for line in text.splitlines():
        # Each family of patterns needs a word or character the line may not have: checking
        # for it first skips most of the dozen regular expressions on an ordinary sentence.
        low = line.lower()
        if "_" in line:
            for m in _ENV.finditer(line):
                found.append(Mention("env", m.group(1)))
        if "queue" in low:
            for pattern in _QUEUE:
                found += [Mention("queue", m.group(1)) for m in pattern.finditer(line) if m.group(1).lower() not in _STOP]
        tables = [m.group(1) for p in _TABLE_USE for m in p.finditer(line) if m.group(1).lower() not in _STOP] if "table" in low else []
        found += [Mention("table", t) for t in tables]
        if "column" in low:
            for pattern in _COLUMN_ON:
                found += [Mention("column", m.group(1), m.group(2)) for m in pattern.finditer(line)]
            for pattern in _COLUMN_USE:
                found += [Mention("column", m.group(1)) for m in pattern.finditer(line) if m.group(1).lower() not in _STOP]
            cols = _COLUMNS.search(line)
            if cols and tables:
                found += [Mention("column", c, tables[0]) for c in _column_names(cols.group(1))]
        if "=>" in line:
            found += [Mention("column", m.group(1)) for m in _PROPERTY.finditer(line)]
        if "." in line:
            for m in _DOTTED.finditer(line):
                if m.group(2) not in _NOT_COLUMN:
                    found.append(Mention("column", m.group(2), m.group(1)))
        if "`" in line:
            found += [Mention("name", m.group(1)) for m in _BACKTICKED.finditer(line) if "_" in m.group(1)]
    tied = {m.name for m in found if m.kind == "column" and m.table is not None}
    # A column named with its table is checked against that table only.
    found = [m for m in found if not (m.kind == "column" and m.table is None and m.name in tied)]
    return tuple(dict.fromkeys(found))


# --------------------------------------------------------------------------- comparing


def _closest(kind: NameKind, used: str, known: dict[str, Defined]) -> Defined | None:
    """The first name of this kind `used` misspells; None when it is one of them, or near none."""
    if used in known:
        return None
    hits = [d for name, d in known.items() if near_miss(kind, used, name)]
    return hits[0] if hits else None


def _label(role: RoleSpec, topic_id: str) -> str:
    spec = role.topic(topic_id)
    return f"topic {spec.number}, {spec.title}" if spec else f"topic {topic_id}"


def _check_entry(
    role: RoleSpec, topic: str, entry: Entry, found: tuple[Mention, ...], defs: Definitions, closest: Callable[[str, str], Defined | None], everything: set[str]
) -> list[Contradiction]:
    # Each mention looked at first, the messages made only for a difference: a session of
    # 10,000 entries names thousands of things, nearly all as an earlier plan defines them.
    differ: list[tuple[NameKind, str, Defined | None, str | None]] = []  # (kind, used, what it misspells, table lacking it)
    for m in found:
        if m.kind in ("env", "queue", "table"):
            if (d := closest(m.kind, m.name)) is not None:
                differ.append((m.kind, m.name, d, None))  # type: ignore[arg-type]
        elif m.kind == "name":
            if m.name not in everything and (d := closest("table", m.name)) is not None:
                differ.append(("table", m.name, d, None))
        elif m.table is not None and m.table in defs.columns:
            listed = defs.columns[m.table]
            if m.name in listed:
                continue
            where = defs.columns_at[m.table]
            near = [c for c in sorted(listed) if near_miss("column", m.name, c)]
            spelled = Defined("column", near[0], where.source, where.line, m.table) if near else None
            differ.append(("column", m.name, spelled, None if near else m.table))
        elif m.name not in everything and (d := closest("column", m.name)) is not None:
            differ.append(("column", m.name, d, None))
    if not differ:
        return []
    who = f"Entry {entry.id} ({_label(role, topic)})"
    settle = f"settle which is right: edit the entry, or keep it with `planner-tui reconfirm {entry.id}`"
    out: dict[str, Contradiction] = {}
    for kind, used, d, lacking in differ:
        if d is not None:
            message = f"{who} names the {_WORD[kind]} `{used}`, but {d.source}:{d.line} defines `{d.name}`: {settle}."
            c = Contradiction(topic, entry.id, kind, used, d.name, d.table, d.source, d.line, message)
        else:
            where = defs.columns_at[lacking]  # type: ignore[index]
            message = (f"{who} names the column `{used}` on the `{lacking}` table, but {where.source}:{where.line} "
                       f"defines `{lacking}` without it: settle it: edit the entry, or keep it with `planner-tui reconfirm {entry.id}`.")
            c = Contradiction(topic, entry.id, "column", used, None, lacking, where.source, where.line, message)
        out.setdefault(c.key, c)
    return list(out.values())


def settled_keys(entry: Entry) -> set[str]:
    """The differences a person already settled for this entry (with `reconfirm`)."""
    value = getattr(entry, "settled", None)
    return {str(v) for v in value} if isinstance(value, list) else set()


def settle(entry: Entry, found: Iterable[Contradiction]) -> None:
    """Record (in place) that the person keeps the entry despite these differences."""
    keys = sorted(settled_keys(entry) | {c.key for c in found if c.entry == entry.id})
    entry.settled = keys  # type: ignore[attr-defined]  # Entry allows extra fields


def find_contradictions(role: RoleSpec, session: Session, defs: Definitions, *, include_settled: bool = False) -> list[Contradiction]:
    """Entries that name a table, column, queue or env var an earlier plan defines differently."""
    if not defs.names:
        return []
    out = []
    # Indexed once for the whole session, not once per entry; each name is compared once.
    by_kind = {k: defs.of(k) for k in ("table", "column", "queue", "env")}  # type: ignore[misc]
    everything = defs.all_names()
    near: dict[tuple[str, str], Defined | None] = {}

    def closest(kind: str, used: str) -> Defined | None:
        if (kind, used) not in near:
            near[kind, used] = _closest(kind, used, by_kind[kind])  # type: ignore[arg-type]
        return near[kind, used]

    checked = [(topic.id, entry) for topic in session.topics for entry in topic.entries if entry.kind in CHECKED_KINDS]
    named = recall_each(_MEMO, [e.text for _, e in checked], _find_mentions, _mentions)
    # Texts that name the same things share one decoded result: one that differs from nothing
    # defined is looked at once, not once per entry (`agrees`: their ids; `named` keeps them alive).
    agrees: set[int] = set()
    for at in compress(range(len(checked)), named):  # most entries name nothing: skipped in C
        if id(named[at]) in agrees:
            continue
        topic_id, entry = checked[at]
        found = _check_entry(role, topic_id, entry, named[at], defs, closest, everything)
        if not found:
            agrees.add(id(named[at]))
        else:
            done = set() if include_settled else settled_keys(entry)
            out += [c for c in found if c.key not in done]
    return out


def contradiction_blockers(found: list[Contradiction]) -> list[Blocker]:
    """A question-like blocker per unsettled difference with an earlier plan (`find_contradictions`)."""
    return [Blocker(kind="question", message=c.message, topic=c.topic, entry=c.entry) for c in found]
