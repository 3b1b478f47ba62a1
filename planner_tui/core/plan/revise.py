"""Revise a committed plan: import it into a session, and keep the bytes of sections left untouched.

Design (kept deliberately simple and robust):

- Importing turns every bullet of a scaffold section into a decision of the topic that owns the
  section (slotted sections: bullet *i* goes to the topic owning slot *i*, later bullets to the
  last slot, so the rendering order is the file's order), Risks bullets into risks and Notes
  paragraphs into notes. Every topic starts confirmed.
- The renderer reproduces a plan that planner-tui wrote byte for byte. A hand-written plan may
  differ in layout (blank lines between bullets, `*` markers, odd indentation), so the import
  also records a *baseline*: the committed text and, per section, a digest of what the renderer
  produced at import time. `apply_baseline()` then swaps every section whose rendering is still
  the import-time one back to the original bytes (and returns the original text verbatim when
  nothing changed at all). A changed section is re-rendered whole, in the tool's layout; so a
  revision's diff touches only the sections whose content changed.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TYPE_CHECKING

from planner_tui.core.discussion import actions
from planner_tui.core.plan.diff import PREAMBLE, keyed_sections, split_sections
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import KINDS, PRIMARY_KIND, Entry, RoleSpec, ScaffoldSection, Session, TopicSpec
from planner_tui.core.plan.render import plan_headings, project_templates, render_plan

if TYPE_CHECKING:  # pragma: no cover - typing only
    from planner_tui.core.engine import Planner

__all__ = [
    "ParsedItem",
    "ImportReport",
    "parse_plan_items",
    "import_plan",
    "import_committed",
    "apply_baseline",
    "imported_digest",
    "baseline",
]

_BULLET = re.compile(r"^( {0,3})([-*+])(?:( {1,4})(.*))?$")
_ORDERED = re.compile(r"^( {0,3})(\d{1,9}[.)])(?:( {1,4})(.*))?$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class ParsedItem(NamedTuple):
    """One bullet or paragraph of a plan, with the section it sits under."""

    heading: str
    """The section heading as the plan spells it."""
    text: str
    """The item's markdown without its list marker (continuation lines dedented)."""
    line: int
    """1-based line of the plan where the item starts."""


class ImportReport(NamedTuple):
    """What importing a committed plan did."""

    entries: int
    notes: list[str]
    """Things a person should know (sections outside the scaffold, a plan that could not be read)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- parsing


def _list_marker(line: str) -> tuple[int, str] | None:
    """(content indent, content) when the line opens a list item, else None."""
    for pattern in (_BULLET, _ORDERED):
        m = pattern.match(line)
        if m:
            spaces = m.group(3) or " "
            return len(m.group(1)) + len(m.group(2)) + len(spaces), m.group(4) or ""
    return None


def _split_items(body: list[tuple[int, str]], *, bullets: bool) -> list[tuple[int, str]]:
    """The items of a section body: list items (bullets) or blank-line separated paragraphs."""
    items: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    kind = ""
    indent = 0
    blank = False
    fence: str | None = None
    for no, line in body:
        if fence is not None:  # inside a code fence every line, blank or not, belongs to the item
            if current is not None:
                current.append(line[min(indent, len(line) - len(line.lstrip(" "))):])
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if not line.strip():
            blank = current is not None
            continue
        lead = len(line) - len(line.lstrip(" "))
        marker = _list_marker(line) if bullets else None
        if marker is not None and not (kind == "list" and lead >= indent and current is not None):
            indent, content = marker
            current = [content]
            items.append((no, current))
            kind, blank = "list", False
        elif current is not None and kind == "list" and (lead >= 2 or not blank):
            if blank:
                current.append("")
            current.append(line[min(lead, indent):] if lead >= 2 else line.strip())
            blank = False
        elif current is not None and kind == "para" and not blank:
            current.append(line)
        else:
            current = [line.strip() if bullets else line]
            items.append((no, current))
            kind, indent, blank = "para", 0, False
        m = _FENCE.match(line.lstrip(" "))
        if m:
            fence = m.group(1)
    out = []
    for no, lines in items:
        while lines and not lines[-1].strip():
            lines.pop()
        text = "\n".join(lines)
        if text.strip():
            out.append((no, text))
    return out


def parse_plan_items(role: RoleSpec, text: str) -> tuple[list[ParsedItem], list[str]]:
    """Every bullet (or, in prose sections, paragraph) of a plan, in file order, and notes.

    Text above the first `## ` section (the title) is not an item. A section the scaffold does
    not have is still parsed (as bullets), and named in the notes.
    """
    items: list[ParsedItem] = []
    notes: list[str] = []
    line_no = 1
    for heading, lines in split_sections(text):
        start = line_no
        line_no += len(lines)
        if heading == PREAMBLE and not (lines and lines[0].lstrip().startswith("## ")):
            continue
        body = [(start + i, line) for i, line in enumerate(lines)][1:]
        sec = role.scaffold.section(heading)
        prose = sec is not None and sec.is_prose
        found = _split_items(body, bullets=not prose)
        if sec is None and found:
            notes.append(f"Section {heading!r} is not in the {role.name} scaffold: its {len(found)} item(s) were imported as notes.")
        items.extend(ParsedItem(heading, t, no) for no, t in found)
    return items, notes


# --------------------------------------------------------------------------- mapping to topics


def _owners(role: RoleSpec, sec: ScaffoldSection) -> list[TopicSpec]:
    return [t for t in role.topics if role.scaffold.section(t.section) is sec]


# Prose becomes the prose kind (notes); a list under a kind's own heading (Risks) that no topic
# owns becomes that kind; any other list item becomes the primary kind (a decision).
_PROSE_KIND = next(k for k in KINDS.values() if k.prose)
_LIST_KINDS = {k.section.lower(): k.name for k in KINDS.values() if k.section and not k.prose}


def _target(role: RoleSpec, sec: ScaffoldSection | None, index: int) -> tuple[TopicSpec, str, str | None]:
    """(topic, kind, section override) for the index-th item of a section."""
    first = role.topics[0]
    if sec is None:
        return first, _PROSE_KIND.name, None
    owners = _owners(role, sec)
    if sec.is_prose:
        topic = owners[0] if owners else first
        return topic, _PROSE_KIND.name, None if sec.heading == _PROSE_KIND.heading(role.scaffold) else sec.heading
    if not owners and sec.heading.lower() in _LIST_KINDS:
        return first, _LIST_KINDS[sec.heading.lower()], None
    slotted = sorted((t for t in owners if t.slot is not None), key=lambda t: t.slot or 0)
    if slotted:
        # The topic owning the item's slot; past the last slot, the last one, so order is kept.
        at_or_before = [t for t in slotted if (t.slot or 0) <= index]
        topic = at_or_before[-1] if at_or_before else slotted[0]
    else:
        topic = owners[0] if owners else first
    own = role.scaffold.section(topic.section)
    return topic, PRIMARY_KIND, None if own is sec else sec.heading


# --------------------------------------------------------------------------- importing


def import_plan(
    session: Session, role: RoleSpec, text: str, epic_title: str, *, now: datetime, path: str = "", overrides: Path | None = None
) -> ImportReport:
    """Import a committed plan into an empty session (in place) and record its baseline.

    Each item becomes an entry (times one microsecond apart, so the file order is the
    rendering order), every role topic is confirmed, and `session.imported` keeps what
    `apply_baseline` needs. A session that already has entries is left alone.
    """
    if any(t.entries for t in session.topics) or baseline(session) is not None:
        return ImportReport(0, ["The session already has entries; the committed plan was not imported."])
    if not role.topics or not role.scaffold.sections:
        return ImportReport(0, ["The role has no topics or no scaffold; nothing was imported."])
    actions.sync_topics(session, role)
    items, notes = parse_plan_items(role, text)
    per_section: dict[str, int] = {}
    for n, item in enumerate(items):
        sec = role.scaffold.section(item.heading)
        key = sec.heading if sec else item.heading
        index = per_section.get(key, 0)
        per_section[key] = index + 1
        spec, kind, heading = _target(role, sec, index)
        state = session.topic(spec.id)
        assert state is not None  # sync_topics added every role topic
        entry = Entry(
            id=actions._unique_id(session),  # noqa: SLF001 - the session module's own id rule
            kind=kind,  # type: ignore[arg-type]
            text=item.text,
            at=now + timedelta(microseconds=n),
            author="person",
            section=heading,
        )
        entry.origin = f"{path}:{item.line}" if path else f"line {item.line}"  # type: ignore[attr-defined]
        state.entries.append(entry)
    for spec in role.topics:
        state = session.topic(spec.id)
        if state is not None:
            state.confirmed, state.confirmed_at = True, now
    rendered = render_plan(role, session, epic_title, overrides=overrides)  # the template Planner.render uses
    records = []
    original = dict(keyed_sections(text))
    for key, lines in keyed_sections(rendered):
        old = original.get(key)
        # Keep a section's own bytes only when they have the outline the scaffold demands.
        keep = old is not None and old[:1] == lines[:1] and plan_headings("\n".join(old)) == plan_headings("\n".join(lines))
        records.append({"heading": key[0], "n": key[1], "rendered": _digest("\n".join(lines)), "keep": keep})
    session.imported = {  # type: ignore[attr-defined]  # Session allows extra fields
        "path": path,
        "digest": _digest(text),
        "at": now.isoformat(),
        "text": text,
        "sections": records,
    }
    return ImportReport(len(items), notes)


def import_committed(planner: "Planner") -> ImportReport | None:
    """Import the committed plan into a planner that has no session yet; None when nothing to do.

    A failure (an unreadable plan, a disk that cannot be written) never stops the planner from
    opening: it is returned as a note.
    """
    if planner.read_only or planner.store.session is not None:
        return None
    try:
        text = planner.committed_plan()
    except (OSError, PlannerError):
        return None
    if not text or not text.strip():
        return None
    try:
        return planner._mutate(  # noqa: SLF001 - the engine's single write path
            lambda s: import_plan(
                s, planner.role, text, planner.epic.title, now=planner.clock(), path=planner.plan_path,
                overrides=project_templates(planner.project.root),
            )
        )
    except PlannerError as exc:
        return ImportReport(0, [f"The committed plan could not be imported: {exc}"])


def baseline(session: Session) -> dict[str, Any] | None:
    """The import baseline the session keeps, or None (a session not started from a plan)."""
    data = getattr(session, "imported", None)
    if isinstance(data, dict) and isinstance(data.get("text"), str) and isinstance(data.get("sections"), list):
        return data
    return None


def imported_digest(session: Session) -> str | None:
    """sha256 of the committed plan as it was imported, or None."""
    data = baseline(session)
    return data.get("digest") if data else None


def apply_baseline(rendered: str, session: Session) -> str:
    """The rendered plan with every section still as imported swapped back to its original bytes.

    When no section changed at all, the committed text is returned verbatim.
    """
    data = baseline(session)
    if data is None:
        return rendered
    recorded = {}
    for rec in data["sections"]:
        if isinstance(rec, dict) and "heading" in rec:
            recorded[(rec["heading"], rec.get("n", 0))] = rec
    current = keyed_sections(rendered)
    same = [key in recorded and recorded[key].get("rendered") == _digest("\n".join(lines)) for key, lines in current]
    keep = [ok and bool(recorded[key].get("keep")) for (key, _), ok in zip(current, same)]
    if all(keep) and len(current) == len(recorded):
        return data["text"]
    if not any(keep):
        return rendered
    original = dict(keyed_sections(data["text"]))
    out: list[str] = []
    for (key, lines), ok in zip(current, keep):
        out.extend(original[key] if ok and key in original else lines)
    return "\n".join(out) + "\n"
