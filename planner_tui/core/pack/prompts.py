"""Parse a role prompt (e.g. `23-backend.md`) into a RoleSpec (filling its templates: `fill`)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import NamedTuple

from planner_tui.core.text import markdown
from planner_tui.core.errors import PromptError
from planner_tui.core.pack.fill import TITLE_LIMIT, commit_message, derived_commit_template, output_path, reply_line
from planner_tui.core.text.markdown import BULLET, NUMBERED, Doc, Fence, backticked, indent_of, plain
from planner_tui.core.models import RoleSpec, Scaffold, ScaffoldSection
from planner_tui.core.pack.topics import build_topics

__all__ = [
    "parse_role_prompt",
    "role_key_from_text",
    "output_path",
    "commit_message",
    "reply_line",
    "TITLE_LIMIT",
    "DERIVED_COMMIT",
]

DERIVED_COMMIT = "commit message"
"""What `RoleSpec.derived` names when the prompt has no git step and the message was derived."""
# An instruction to the agent about how to discuss, written at the top of a topic list.
_INSTRUCTION = re.compile(
    r"^(?:present|ask|number|always|never|use|keep|give|list|let|wait)\b.*\b(?:questions?|answers?|batch(?:es)?)\b"
    r"|^(?:each\s+|all\s+|the\s+)?questions?\b.*\b(?:numbered|batch(?:es)?|by number)\b"
    r"|\bthe user (?:answers|replies|responds)\b",
    re.IGNORECASE,
)
_CHECKBOX = re.compile(r"^\[[ xX]\]\s+")

_ROLE_FILE = re.compile(r"(?<![\w-])roles/(\d+-[A-Za-z0-9_.-]+?)\.md\b")
_EPIC_ROLE_FILE = re.compile(r"epics/[^\s`'\"]*?/roles/(\d+-[A-Za-z0-9_.-]+?)\.md\b")
_EPIC_FOLDER = re.compile(r"<\s*epic[ _-]?folder\s*>", re.IGNORECASE)
_SERVER_NAME = re.compile(r"^[A-Za-z0-9@][\w.@/-]*$")


class _Step(NamedTuple):
    number: int
    title: str
    start: int
    end: int


def role_key_from_text(text: str) -> str | None:
    """The stem of the `roles/NN-name.md` file a prompt writes (`03-backend`), or None.

    A cheap scan for discovery: it does not parse the prompt."""
    m = _EPIC_ROLE_FILE.search(text) or _ROLE_FILE.search(text)
    return m.group(1) if m else None


def parse_role_prompt(text: str, source: str, *, commit_template: str | None = None) -> RoleSpec:
    """Read a role prompt into a RoleSpec; raise PromptError naming the first missing part.

    A prompt without a git step gets a derived commit message (`derived` says so), in the
    pipeline's shape or from `commit_template` (a project setting, see `derived_commit_template`).
    """
    doc = markdown.load(text, nested_fences=True)
    steps = _steps(doc)
    scaffold_fence, scaffold = _scaffold(doc, source)
    commit = _commit(doc, steps, scaffold_fence)
    output = _output_path(doc, commit, source)
    reply = _reply(doc, steps, source)
    topic_lines, rules = _topic_lines(doc, steps, source)
    key = PurePosixPath(output).stem
    title = _title(doc)
    name = _name(reply, title, key)
    prep = _prep_steps(doc)
    derived: list[str] = []
    if not commit:
        commit = derived_commit_template(name, output, commit_template)
        derived.append(DERIVED_COMMIT)
    return RoleSpec(
        key=key,
        name=name,
        title=title or f"{name} Planning",
        persona=_persona(doc),
        prep_steps=prep,
        mcp_servers=_mcp_servers(prep, doc),
        topics=build_topics(topic_lines, scaffold, name),
        output_path_template=output,
        scaffold=scaffold,
        commit_template=commit,
        reply_template=reply,
        source=source,
        derived=derived,
        discussion_rules=rules,
    )


# --------------------------------------------------------------------------- prompt parts


def _title(doc: Doc) -> str:
    return next((plain(head.text) for head in doc.headings if head.level == 1), "")


def _name(reply: str, title: str, key: str) -> str:
    m = re.match(r"^\s*(?:the\s+)?(.+?)\s+role\s+path\b", reply, re.IGNORECASE)
    if m:
        return m.group(1).strip()
    stripped = re.sub(r"\bplanning\b", "", title, flags=re.IGNORECASE).strip(" -—:")
    if stripped:
        return stripped
    return key.split("-", 1)[-1].replace("-", " ").title()


def _section_lines(doc: Doc, pattern: str) -> list[str]:
    rng = doc.section(pattern)
    if not rng:
        return []
    return [doc.lines[i] for i in range(*rng) if not doc.in_fence[i]]


def _persona(doc: Doc) -> str:
    lines = _section_lines(doc, r"role|mindset|persona")
    kept = [ln.strip() for ln in lines if not re.fullmatch(r"\s*([-*_])(\s*\1){2,}\s*", ln)]
    return "\n".join(kept).strip()


def _numbered_items(lines: list[str]) -> list[str]:
    """Items of the outermost numbered list, continuation lines joined with spaces."""
    items: list[str] = []
    base: int | None = None
    for ln in lines:
        m = NUMBERED.match(ln)
        if m and (base is None or len(m.group(1)) <= base):
            base = len(m.group(1)) if base is None else base
            items.append(m.group(3).strip())
        elif items and ln.strip() and (base is None or indent_of(ln) > base):
            items[-1] += " " + ln.strip()
        elif items and ln.strip():
            break
    return items


def _prep_steps(doc: Doc) -> list[str]:
    return _numbered_items(_section_lines(doc, r"prepar"))


def _mcp_servers(prep: list[str], doc: Doc) -> list[str]:
    # Outside a Preparation list, a line naming MCP servers plus its continuation line will do.
    loose = [
        doc.lines[i] + " " + (doc.lines[i + 1] if i + 1 < len(doc.lines) else "")
        for i in range(len(doc.lines))
        if not doc.in_fence[i] and re.search(r"\bmcp servers?\b", doc.lines[i], re.IGNORECASE)
    ]
    for step in prep + loose:
        if not re.search(r"\bmcp\b", step, re.IGNORECASE):
            continue
        names = [n for n in backticked(step) if _SERVER_NAME.match(n) and not n.endswith(".md")]
        if names:
            return list(dict.fromkeys(names))
    return []


def _steps(doc: Doc) -> list[_Step]:
    rng = doc.section(r"^steps?\b|workflow|process") or (0, len(doc.lines))
    start, end = rng
    found: list[tuple[int, int, str]] = []
    for i in range(start, end):
        if doc.in_fence[i]:
            continue
        m = NUMBERED.match(doc.lines[i])
        if m and len(m.group(1)) <= 3:
            found.append((i, int(m.group(2)), plain(m.group(3))))
    steps = []
    for n, (i, number, title) in enumerate(found):
        stop = found[n + 1][0] if n + 1 < len(found) else end
        steps.append(_Step(number, title, i, stop))
    return steps


def _step(steps: list[_Step], pattern: str) -> _Step | None:
    return next((s for s in steps if re.search(pattern, s.title, re.IGNORECASE)), None)


def _scaffold(doc: Doc, source: str) -> tuple[Fence, Scaffold]:
    for fence in doc.fences:
        lines = fence.text().split("\n")
        if any(ln.startswith("## ") for ln in lines):
            return fence, _parse_scaffold(lines, source)
    raise PromptError("scaffold", source, "no fenced plan outline with ## sections")


def _parse_scaffold(lines: list[str], source: str) -> Scaffold:
    title_line = next((ln.strip() for ln in lines if ln.startswith("# ")), "")
    if not title_line:
        raise PromptError("scaffold", source, "the outline has no # title line")
    bracket = re.search(r"\[[^\]]+\]", title_line)
    sections: list[ScaffoldSection] = []
    prose: list[str] = []

    def close() -> None:
        if sections and prose:
            sections[-1].text_placeholder = "\n".join(prose)
        prose.clear()

    inner = False  # inside a fenced example written in the outline (a shell snippet)
    for ln in lines:
        if re.match(r"\s*(```|~~~)", ln):
            inner = not inner
            if sections:
                prose.append(ln.strip())
            continue
        if inner:
            if sections and ln.strip():
                prose.append(ln.strip())
            continue
        if ln.startswith("## "):
            close()
            sections.append(ScaffoldSection(heading=ln[3:].strip()))
        elif sections and (m := BULLET.match(ln)) and indent_of(ln) < 2:
            sections[-1].placeholders.append(m.group(2).strip())
        elif sections and ln.strip():
            if sections[-1].placeholders and indent_of(ln) >= 2:
                # A wrapped or nested bullet belongs to the bullet above it.
                sections[-1].placeholders[-1] += " " + ln.strip().lstrip("-*+ ").strip()
            else:
                prose.append(ln.strip())
    close()
    return Scaffold(
        title_line=title_line,
        title_placeholder=bracket.group(0) if bracket else "[Epic Title]",
        sections=sections,
    )


def _commit(doc: Doc, steps: list[_Step], scaffold: Fence) -> str:
    """The fenced message after the git step, or "" when the prompt has none (it is derived)."""
    step = _step(steps, r"\bgit\b|\bcommit")
    fence = None
    if step:
        fence = next(
            (f for f in doc.fences if step.start < f.start < step.end and f is not scaffold),
            None,
        )
    if fence is None:
        fence = next(
            (f for f in doc.fences if f is not scaffold and re.search(r"^Path:", f.text(), re.M)),
            None,
        )
    return "\n".join(ln.rstrip() for ln in fence.text().split("\n")).strip() if fence else ""


def _output_path(doc: Doc, commit: str, source: str) -> str:
    spans = [s for i, ln in enumerate(doc.lines) if not doc.in_fence[i] for s in backticked(ln)]
    paths = [s for s in spans if re.search(r"(^|/)roles/[^/]+\.md$", s)]
    paths.sort(key=lambda s: not _EPIC_FOLDER.search(s))
    if paths:
        return paths[0]
    m = re.search(r"^Path:\s*(\S.*?\.md)\s*$", commit, re.M)
    if m:
        return m.group(1)
    raise PromptError("output path", source, "no `…/roles/NN-name.md` path")


def _reply(doc: Doc, steps: list[_Step], source: str) -> str:
    step = _step(steps, r"\breply\b|\brespond\b|\banswer\b")
    if step:
        for i in range(step.start + 1, step.end):
            spans = [] if doc.in_fence[i] else backticked(doc.lines[i])
            if spans:
                return spans[0]
    for i, ln in enumerate(doc.lines):
        if doc.in_fence[i]:
            continue
        for span in backticked(ln):
            if re.search(r"role path", span, re.IGNORECASE):
                return span
    raise PromptError("reply line", source, "no backticked reply under the Reply step")


def _topic_lines(doc: Doc, steps: list[_Step], source: str) -> tuple[list[str], list[str]]:
    """The topic lines, and the instruction lines that opened the list (how to discuss, not topics).

    An auditing role's checklist items (`- [ ] …`) are its topics."""
    topics = _raw_topic_lines(doc, steps, source)
    topics = [_CHECKBOX.sub("", t) for t in topics]
    rules: list[str] = []
    while len(topics) > 1 and _INSTRUCTION.search(plain(topics[0])):
        rules.append(topics.pop(0))
    return topics, rules


def _raw_topic_lines(doc: Doc, steps: list[_Step], source: str) -> list[str]:
    step = _step(steps, r"discuss|audit|review")
    ranges = [(step.start + 1, step.end)] if step else [(s.start + 1, s.end) for s in steps]
    for start, end in ranges:
        topics = _nested_bullets(_slice(doc, start, end))
        if topics:
            return topics
    # A discussion step that lost its numbered title: its intro bullet still names the topics.
    topics = _nested_bullets(_slice(doc, 0, len(doc.lines)), need_intro=True)
    if topics:
        return topics
    if step and _intro(_slice(doc, step.start + 1, step.end)) is None:
        # No intro bullet at all: the discussion step's first run of bullets is the topic list.
        topics = _first_run(_slice(doc, step.start + 1, step.end))
        if len(topics) >= 2:
            return topics
    raise PromptError("discussion topics", source, "no topic list under the discussion step")


def _slice(doc: Doc, start: int, end: int) -> list[tuple[str, bool]]:
    return [(doc.lines[i], doc.in_fence[i]) for i in range(start, end)]


def _intro(lines: list[tuple[str, bool]]) -> int | None:
    """Index of the bullet that introduces the topics (`… these topics:`)."""
    for n, (ln, fenced) in enumerate(lines):
        m = None if fenced else BULLET.match(ln)
        if not m or not re.search(r"\btopics?\b|\bchecklist\b", m.group(2), re.IGNORECASE):
            continue
        nxt = next((x for x, f in lines[n + 1 :] if x.strip() and not f), "")
        # "Stop when every topic is confirmed." mentions topics but introduces nothing.
        if m.group(2).rstrip().endswith(":") or indent_of(nxt) > indent_of(ln):
            return n
    return None


def _nested_bullets(lines: list[tuple[str, bool]], need_intro: bool = False) -> list[str]:
    """Bullets nested under the intro bullet that mentions topics (or, unless `need_intro`,
    under the first bullet with children), wrapped lines joined."""
    intro = _intro(lines)
    if intro is None and need_intro:
        return []
    candidates = [intro] if intro is not None else range(len(lines))
    for start in candidates:
        ln, fenced = lines[start]
        if fenced or not BULLET.match(ln):
            continue
        base = indent_of(ln)
        items: list[str] = []
        child: int | None = None
        for nxt, nfenced in lines[start + 1 :]:
            if nfenced or not nxt.strip():
                continue
            depth = indent_of(nxt)
            if depth <= base:
                break
            m = BULLET.match(nxt)
            if m and (child is None or depth == child):
                child = depth
                items.append(m.group(2).strip())
            elif items:
                items[-1] += " " + nxt.strip()
        if items:
            return items
    return []


def _first_run(lines: list[tuple[str, bool]]) -> list[str]:
    """The first contiguous run of same-depth bullets, wrapped lines joined."""
    items: list[str] = []
    depth: int | None = None
    for ln, fenced in lines:
        if fenced or not ln.strip():
            continue
        m = BULLET.match(ln)
        if m and (depth is None or indent_of(ln) == depth):
            depth = indent_of(ln)
            items.append(m.group(2).strip())
        elif items and not m and indent_of(ln) > (depth or 0):
            items[-1] += " " + ln.strip()
        elif items:
            break
    return items
