"""Decode session file bytes: check them, migrate old schema versions, validate into a Session."""

from __future__ import annotations

import json
from typing import Any, Callable, NamedTuple

from pydantic import ValidationError

from planner_tui.core.models import Session
from planner_tui.core.storage import memo, primed

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "Decoded",
    "Undecodable",
    "TooNew",
    "migrate",
    "decode_session",
    "encode_session",
]

SCHEMA_VERSION = 1
"""The session schema this version writes; older files are migrated, newer ones are read-only."""


class Undecodable(ValueError):
    """The bytes are not a session (internal; the store turns it into SessionCorrupt)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class TooNew(ValueError):
    """The file was written by a newer schema; `session` is set when it still validates."""

    def __init__(self, version: int, detail: str | None = None) -> None:
        self.version = version
        self.detail = detail
        super().__init__(detail or f"schema version {version}")


class Decoded(NamedTuple):
    """A session read from bytes, with the schema version the bytes were written in."""

    session: Session
    version: int
    """The version found in the file (0 when `schema_version` was missing)."""

    @property
    def migrated(self) -> bool:
        return self.version < SCHEMA_VERSION

    @property
    def newer(self) -> bool:
        return self.version > SCHEMA_VERSION


def _v0_to_v1(data: dict[str, Any], epic: str, role: str) -> dict[str, Any]:
    """v0 (no `schema_version`): topics as a mapping id -> thread, entries typed by `type`,
    the cursor as a bare topic id, epic and role implied by the file's place.

    A file that already has v1's shape but lacks `schema_version` passes through unchanged.
    Shapes this does not recognise are left alone so validation names the bad field.
    """
    out = dict(data)
    out.setdefault("epic", epic)
    out.setdefault("role", role)
    topics = out.get("topics")
    if isinstance(topics, dict):
        out["topics"] = [
            {"id": key, **value} if isinstance(value, dict) else {"id": key, "entries": value}
            for key, value in topics.items()
        ]
    if isinstance(out.get("topics"), list):
        for topic in out["topics"]:
            entries = topic.get("entries") if isinstance(topic, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and "kind" not in entry and "type" in entry:
                    entry["kind"] = entry.pop("type")
    cursor = out.pop("cursor", None)
    if isinstance(cursor, str):
        out.setdefault("cursor_topic", cursor)
    elif isinstance(cursor, dict):
        out.setdefault("cursor_topic", cursor.get("topic"))
        out.setdefault("cursor_entry", cursor.get("entry"))
    if "created" in out and "updated" not in out:
        out["updated"] = out["created"]
    if "updated" in out and "created" not in out:
        out["created"] = out["updated"]
    out["schema_version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[dict[str, Any], str, str], dict[str, Any]]] = {0: _v0_to_v1}
"""`MIGRATIONS[n]` turns a version-n document into version n+1; add one per schema change."""


def migrate(data: dict[str, Any], version: int, *, epic: str, role: str) -> dict[str, Any]:
    """Run the chain of migrations from `version` up to SCHEMA_VERSION."""
    for step in range(version, SCHEMA_VERSION):
        data = MIGRATIONS[step](data, epic, role)
    return data


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def _validation_detail(exc: ValidationError, limit: int = 3) -> str:
    errors = exc.errors(include_url=False)
    parts = []
    for err in errors[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "top level"
        parts.append(f"{loc}: {err['msg']}")
    more = f" and {len(errors) - limit} more" if len(errors) > limit else ""
    return "; ".join(parts) + more


def _current(raw: bytes) -> Session | None:
    """A file of this schema, read by pydantic straight from its bytes (half the time of parsing the
    JSON first: 64 against 148 ms for 10,000 entries); None for anything else (a BOM, a lone
    surrogate, an older or newer schema, any error), which `decode_session` reads and explains.

    Strict, so that nothing is accepted here that the careful reading would refuse (a
    `schema_version` of `true` or `"1"`); what it accepts, both read alike.
    """
    try:
        session = Session.model_validate_json(raw, strict=True)
    except ValidationError:
        return None
    if "schema_version" not in session.model_fields_set or session.schema_version != SCHEMA_VERSION:
        return None
    return session


def _keys_ahead(session: Session) -> None:
    """Worked out by the warm process for a session it holds: the memo keys of its entries' texts
    (a 10,000-entry session's checks spent 40 ms making them in each call)."""
    memo.digest_each(entry.text for topic in session.topics for entry in topic.entries)


primed.reader("session", _current)
primed.ahead("session", _keys_ahead)


def decode_session(raw: bytes, *, epic: str, role: str, path: str | None = None) -> Decoded:
    """Parse session bytes (UTF-8, with or without BOM, any line endings) into a Session.

    Raises Undecodable with a short description of the first problem (bad UTF-8 at an offset,
    invalid JSON at a line/column, or the field path pydantic rejects), or TooNew for a newer
    schema that cannot be validated by this version. With the file's `path`, a session the warm
    process decoded ahead from the same bytes is taken instead of decoding them again.
    """
    if not raw or raw.isspace():  # not `raw.strip()`, a copy of the whole file
        raise Undecodable("the file is empty")
    current = primed.decoded("session", path, raw) if path is not None else _current(raw)
    if current is not None:
        return Decoded(current, SCHEMA_VERSION)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        raise Undecodable(f"not UTF-8 text (byte 0x{bad} at offset {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Undecodable(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise Undecodable("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise Undecodable(f"the top level is {_describe(data)}, not an object")
    version = data.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise Undecodable(f"schema_version: expected a whole number, found {json.dumps(version)[:40]}")
    if version < SCHEMA_VERSION:
        try:
            data = migrate(data, version, epic=epic, role=role)
        except Exception as exc:  # a migration must never crash the loader on odd input
            raise Undecodable(f"cannot migrate from schema version {version}: {exc}") from None
    try:
        session = Session.model_validate(data)
    except ValidationError as exc:
        if version > SCHEMA_VERSION:
            raise TooNew(version, _validation_detail(exc)) from None
        raise Undecodable(_validation_detail(exc)) from None
    return Decoded(session, version)


def encode_session(session: Session) -> bytes:
    """The file's bytes: pretty-printed JSON, UTF-8 without BOM, LF line ends, final newline."""
    return session.model_dump_json(indent=2).encode("utf-8") + b"\n"
