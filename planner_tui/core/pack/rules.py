"""Parse the prompt pack's shared files: rules (`01-forbidden.md`), MCP list (`02-mcp.md`) and
pipeline (`03-pipeline.md`)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from planner_tui.core.text import markdown
from planner_tui.core.errors import PromptError
from planner_tui.core.text.markdown import BULLET, NUMBERED, backticked, indent_of, plain
from planner_tui.core.models import McpList, McpServerSpec, Pipeline, PipelineStep, Rule, RuleBook, RuleCategory

__all__ = ["parse_rules", "parse_mcp_list", "parse_pipeline", "roles_before", "position"]

_FORBIDDEN = ("❌", "🚫", "⛔", "✖", "✗")
_REQUIRED = ("✅", "✔", "☑")
_CATEGORY = re.compile(r"^(?:(\d+)[.)]?\s+)?(.+)$")
# Characters that draw a tree (`tree` output, ASCII art) rather than name a file.
_TREE_CHARS = " \t│├└┬┼─|`+*-"


# --------------------------------------------------------------------------- 01-forbidden.md


def _rule(text: str) -> Rule:
    text = text.strip()
    for marks, kind in ((_FORBIDDEN, "forbidden"), (_REQUIRED, "required")):
        for mark in marks:
            if text.startswith(mark):
                body = text[len(mark) :].lstrip("\ufe0f").strip()
                return Rule(kind=kind, text=body)
    return Rule(kind="plain", text=text)


def parse_rules(text: str, source: str) -> RuleBook:
    """Principles, numbered rule categories (❌ forbidden / ✅ required / plain, nested values
    kept) and the enforcement text; PromptError when the file holds no rules at all."""
    doc = markdown.load(text)
    book = RuleBook(source=source)
    rng = doc.section(r"principle")
    if rng:
        for i in range(*rng):
            m = None if doc.in_fence[i] else BULLET.match(doc.lines[i])
            if m and indent_of(doc.lines[i]) <= 1:
                book.principles.append(m.group(2).strip())
    heads = doc.headings
    for n, head in enumerate(heads):
        if head.level != 3:
            continue
        end = heads[n + 1].line if n + 1 < len(heads) else len(doc.lines)
        m = _CATEGORY.match(plain(head.text))
        number = int(m.group(1)) if m and m.group(1) else len(book.categories) + 1
        category = RuleCategory(number=number, title=(m.group(2) if m else head.text).strip())
        base: int | None = None
        for j in range(head.line + 1, end):
            line = doc.lines[j]
            bullet = None if doc.in_fence[j] else BULLET.match(line)
            if not bullet:
                continue
            depth = indent_of(line)
            if base is None or depth <= base:
                base = depth if base is None else base
                category.rules.append(_rule(bullet.group(2)))
            elif category.rules:
                category.rules[-1].values.append(bullet.group(2).strip())
        book.categories.append(category)
    rng = doc.section(r"enforce")
    if rng:
        book.enforcement = "\n".join(doc.lines[slice(*rng)]).strip()
    if not book.principles and not book.categories:
        raise PromptError("rules", source, "no principles and no `### N. Category` rule blocks")
    return book


# --------------------------------------------------------------------------- 02-mcp.md


def parse_mcp_list(text: str, source: str) -> McpList:
    """The servers named in the numbered (or bulleted) list, in order, with what each is used
    for from the `Uses` section; PromptError when no server is named."""
    doc = markdown.load(text)
    uses_rng = doc.section(r"\buses?\b|purpose|usage", level=2)
    uses_start = uses_rng[0] - 1 if uses_rng else len(doc.lines)
    servers: dict[str, McpServerSpec] = {}
    for i, line in enumerate(doc.lines):
        # A heading line never matches a list item, so only fences need skipping.
        m = None if doc.in_fence[i] else NUMBERED.match(line) or BULLET.match(line)
        item = m.group(m.lastindex).strip() if m else ""
        names = backticked(item[: item.find("`", 1) + 1]) if item.startswith("`") else []
        if not names:
            continue
        name = names[0]
        rest = item[item.find("`", 1) + 1 :].strip().lstrip(",;:—–-").strip()
        in_uses = uses_rng is not None and uses_rng[0] <= i < uses_rng[1]
        if i < uses_start or in_uses:
            spec = servers.setdefault(name, McpServerSpec(name=name))
            if rest and (in_uses or not spec.use):
                spec.use = rest
    if not servers:
        raise PromptError("MCP server list", source, "no backticked server names")
    return McpList(source=source, servers=list(servers.values()))


# --------------------------------------------------------------------------- 03-pipeline.md


def _tree_lines(text: str) -> list[str]:
    doc = markdown.load(text)
    fence = next((f for f in doc.fences if f.body), None)
    if fence:
        return list(fence.body)
    # Without a fence, only lines that look like a bare file or folder name count.
    return [
        ln
        for i, ln in enumerate(doc.lines)
        if not doc.in_fence[i] and re.fullmatch(r"[\w.@-]+/?", ln.lstrip(_TREE_CHARS).strip())
    ]


def parse_pipeline(text: str, source: str) -> Pipeline:
    """The ordered command tree of the fenced block; a line followed by deeper-indented lines is
    a group even without a trailing `/`."""
    rows: list[tuple[int, str, bool]] = []
    for line in _tree_lines(text):
        name = line.lstrip(_TREE_CHARS).strip()
        if not name or name.startswith("#"):
            continue
        rows.append((len(line) - len(line.lstrip(_TREE_CHARS)), name, name.endswith("/")))
    steps: list[PipelineStep] = []
    stack: list[tuple[int, str]] = []  # (indent, folder name) of the open groups
    for n, (indent, name, slash) in enumerate(rows):
        while stack and stack[-1][0] >= indent:
            stack.pop()
        is_group = slash or (n + 1 < len(rows) and rows[n + 1][0] > indent)
        clean = name.rstrip("/").strip()
        path = "/".join([g for _, g in stack] + [clean])
        steps.append(PipelineStep(path=path, name=clean, depth=len(stack), is_group=is_group))
        if is_group:
            stack.append((indent, clean))
    if not steps:
        raise PromptError("pipeline", source, "no fenced command tree")
    return Pipeline(source=source, steps=steps)


def _find(pipeline: Pipeline, prompt_filename: str) -> int | None:
    """Index of the step for a prompt file: exact path, then path suffix, then bare name."""
    wanted = prompt_filename.replace("\\", "/").strip().strip("/")
    files = [(n, s) for n, s in enumerate(pipeline.steps) if not s.is_group]
    for n, s in files:
        if s.path == wanted:
            return n
    for n, s in files:
        if wanted.endswith("/" + s.path):
            return n
    name = PurePosixPath(wanted).name
    return next((n for n, s in files if s.name == name), None)


def _siblings(pipeline: Pipeline, index: int) -> list[int]:
    step = pipeline.steps[index]
    parent = step.path.rpartition("/")[0]
    return [
        n
        for n, s in enumerate(pipeline.steps)
        if not s.is_group and s.depth == step.depth and s.path.rpartition("/")[0] == parent
    ]


def roles_before(pipeline: Pipeline, prompt_filename: str) -> list[PipelineStep]:
    """The steps of the same group (the roles) that come before this prompt, in order."""
    index = _find(pipeline, prompt_filename)
    if index is None:
        return []
    return [pipeline.steps[n] for n in _siblings(pipeline, index) if n < index]


def position(pipeline: Pipeline, prompt_filename: str) -> tuple[int, int] | None:
    """(1-based position, count) of this prompt among the files of its group, e.g. (3, 6) for
    `23-backend.md` among six roles; None when the pipeline does not list it."""
    index = _find(pipeline, prompt_filename)
    if index is None:
        return None
    siblings = _siblings(pipeline, index)
    return siblings.index(index) + 1, len(siblings)
