"""F: rendering the plan from the jinja2 scaffold: user text stays data, contained, deterministic."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import planner_tui
from planner_tui.core.discussion import actions
from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlanError
from planner_tui.core.plan.render import make_environment, render_plan
from planner_tui.demo import DEMO_EPIC

PACKAGE = Path(planner_tui.__file__).resolve().parent
PARSER = MarkdownIt("commonmark").enable("table")


def reopen(project: Path) -> Planner:
    return Planner.open(project, epic=DEMO_EPIC)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def outline(pl: Planner) -> list[tuple[int, str]]:
    """The headings the scaffold promises: the title, then each section, nothing else."""
    return [(1, f"{pl.epic.title} — Backend Plan")] + [(2, s.heading) for s in pl.role.scaffold.sections]


def headings(text: str) -> list[tuple[int, str]]:
    tokens = PARSER.parse(text)
    return [(int(t.tag[1:]), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]


def section_of(text: str, line_no: int) -> str | None:
    """The heading (markdown-it's view) whose section holds 0-based line `line_no`."""
    current = None
    for i, tok in enumerate(tokens := PARSER.parse(text)):
        if tok.type == "heading_open" and tok.map[0] <= line_no:
            current = tokens[i + 1].content
    return current


# ---------------------------------------------------------------------------------------- F1

TEMPLATE_SYNTAX = [
    "{{ 7*7 }}",
    "{% for x in range(9999999) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# comment",
    "{% raw %}",
]


def test_F1_template_syntax_in_entries_reaches_the_committed_plan_verbatim(planner, make_ready):
    """Decisions and notes holding `{{ 7*7 }}`, a 10-million-step `{% for %}`, a `__subclasses__()` probe,
    `{# comment` and `{% raw %}` appear verbatim in the committed `roles/03-backend.md`: never `49`,
    never a class list, and rendering takes no longer than usual."""
    make_ready(planner)
    for text in TEMPLATE_SYNTAX:
        planner.add(1, "decision", text)
        planner.add(2, "note", text)
    started = time.perf_counter()
    rendered = planner.render()
    elapsed = time.perf_counter() - started
    planner.commit()
    written = (planner.project.root / planner.plan_path).read_text(encoding="utf-8")
    assert written == rendered == git(planner.project.root, "show", f"HEAD:{planner.plan_path}")
    lines = written.split("\n")
    for text in TEMPLATE_SYNTAX:
        assert f"- {text}" in lines and text in lines, text
    assert "49" not in written and "<class" not in written and "xxxx" not in written
    assert elapsed < 1.0


# ---------------------------------------------------------------------------------------- F2


def test_F2_user_text_can_never_become_template_source():
    """A static check of the package: only `core/plan/render.py` imports jinja2, nothing calls `from_string` or
    builds a `Template`, and the one `.render()` is on a template chosen by name from the packaged
    files, given prepared data; its output is never rendered again."""
    users = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if "jinja2" in names or "jinja2" in modules:
            users.append(path.relative_to(PACKAGE).as_posix())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("from_string", "compile_expression"), path
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                called = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                assert called not in ("Template", "NativeTemplate"), path
    assert users == ["core/plan/render.py"]
    tree = ast.parse((PACKAGE / "core" / "plan" / "render.py").read_text(encoding="utf-8"))
    renders = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "render"]
    assert len(renders) == 1
    call = renders[0]
    assert isinstance(call.func.value, ast.Name) and call.func.value.id == "template"
    # `placed` is `place_entries(role, session)`, computed once per status call and passed down.
    assert [ast.unparse(a) for a in call.args] == ["plan_context(role, session, epic_title, placed)"]
    sources = [ast.unparse(n.value) for n in ast.walk(tree) if isinstance(n, ast.Assign)
               and any(isinstance(t, ast.Name) and t.id == "template" for t in n.targets)]
    assert sources == ["env.select_template(names)"]


def test_F2_a_missing_context_variable_is_a_named_template_bug(planner):
    """With the product's environment (StrictUndefined), a template that uses an undefined `notes` raises
    PlanError "template bug: 'notes' is undefined" instead of rendering an empty section."""
    env = make_environment(jinja2.DictLoader({"03-backend.md.j2": "{{ title }}\n\n## Notes\n{{ notes }}\n"}))
    with pytest.raises(PlanError, match=r"^template bug: 'notes' is undefined$"):
        render_plan(planner.role, planner.session, planner.epic.title, env=env)


@pytest.mark.parametrize("damage", ["syntax", "missing"])
def test_F2_a_corrupt_or_missing_template_file_stops_the_commit_cleanly(planner, make_ready, tmp_path, child_env, damage):
    """A copy of the installed package with its template file corrupted (an unclosed `{% for %}`) or deleted: the real
    `planner-tui commit` exits 1 with one sentence ("template bug: plan.md.j2 line N: …" or "the plan
    template is missing (03-backend.md.j2, plan.md.j2)"), writes no plan, leaves the session file
    byte-identical and makes no commit."""
    make_ready(planner)
    copy = tmp_path / "site"
    shutil.copytree(PACKAGE, copy / "planner_tui", ignore=shutil.ignore_patterns("__pycache__", "demo"))
    templates = copy / "planner_tui" / "templates"
    shutil.copytree(PACKAGE.parent / "templates", templates)  # where the wheel puts them
    if damage == "syntax":
        (templates / "plan.md.j2").write_text("{{ title }}\n{% for section in sections %}\n## {{ section.heading }}\n", encoding="utf-8")
        expected = r"template bug: plan\.md\.j2 line \d+: Unexpected end of template"
    else:
        for name in ("plan.md.j2", "03-backend.md.j2"):
            (templates / name).unlink()
        expected = r"template bug: the plan template is missing \(03-backend\.md\.j2, plan\.md\.j2\)"
    session = planner.store.path.read_bytes()
    head = git(planner.project.root, "rev-parse", "HEAD")
    proc = subprocess.run([sys.executable, "-m", "planner_tui", "commit", "--project", str(planner.project.root), "--epic", DEMO_EPIC],
                          env={**child_env, "PYTHONPATH": str(copy)}, cwd=copy, capture_output=True, text=True, timeout=60)
    assert str(copy) in subprocess.run([sys.executable, "-c", "import planner_tui; print(planner_tui.__file__)"],
                                       env={**child_env, "PYTHONPATH": str(copy)}, cwd=copy, capture_output=True, text=True).stdout
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert re.search(expected, proc.stderr), proc.stderr
    assert not (planner.project.root / planner.plan_path).exists()
    assert planner.store.path.read_bytes() == session and git(planner.project.root, "rev-parse", "HEAD") == head


# ---------------------------------------------------------------------------------------- F3

SIGNIFICANT = [
    ("a < b && c > d", "a < b && c > d"),
    ("<br>", "\\<br>"),  # a leading `<tag` would open an HTML block: one backslash, shown as <br>
    ("&amp;", "&amp;"),
    ("*stars*", "*stars*"),
    ("_under_", "_under_"),
    ("ends with a backslash \\", "ends with a backslash \\"),
    ("C:\\new\\table", "C:\\new\\table"),
    ("list[str]", "list[str]"),
]


def _blocks(text: str, kind: str) -> list[tuple[str, str]]:
    """(section, source) of every list item (kind "bullet") or top-level paragraph (kind "prose")."""
    lines, out = text.split("\n"), []
    for tok in PARSER.parse(text):
        if kind == "bullet" and tok.type == "list_item_open" and tok.level == 1:
            start, end = tok.map
            src = [lines[start][2:]] + [ln[2:] for ln in lines[start + 1 : end]]
            out.append((section_of(text, start), "\n".join(src).rstrip("\n")))
        if kind == "prose" and tok.type == "paragraph_open" and tok.level == 0:
            start, end = tok.map
            out.append((section_of(text, start), "\n".join(lines[start:end])))
    return out


def test_F3_markdown_significant_characters_round_trip_as_the_policy_says(planner):
    """`a < b && c > d`, `<br>`, `&amp;`, `*stars*`, `_under_`, a trailing backslash, `C:\\new\\table` and
    `list[str]` are extracted from the rendered plan (bullets and Notes paragraphs) exactly as typed,
    except the one documented escape: a leading `<br>` gets a backslash so it stays text. No HTML
    entity escaping anywhere; markdown-it shows `<br>` as text."""
    for typed, _ in SIGNIFICANT:
        planner.add(1, "decision", typed)
        planner.add(1, "note", typed)
    text = planner.render()
    bullets = [src for sec, src in _blocks(text, "bullet") if sec == "Domain & Data"]
    prose = [src for sec, src in _blocks(text, "prose") if sec == "Notes"]
    expected = [want for _, want in SIGNIFICANT]
    assert bullets == expected and prose == expected
    assert "&lt;" not in text and "&amp;amp;" not in text
    html = PARSER.render(text)
    assert "<li>&lt;br&gt;</li>" in html and "<br>" not in html.replace("<br />", "")


# ---------------------------------------------------------------------------------------- F4

HOSTILE = [
    "## Open questions",
    "# H1 from an entry",
    "```\nan unclosed fence",
    "~~~",
    "Setext title\n---",
    "Setext title\n===",
    '[x]: http://evil.example "t"',
    "<details><summary>hidden</summary>",
    "    a 4-space indented block",
    "> quote",
    "1. list",
    "|a|b|\n|-|-|",
]


def _hostile_planner(pl: Planner) -> dict[str, str]:
    """Adds every hostile text as a decision (topic 1), a risk and a note, each ending in a marker line."""
    where = {}
    for n, payload in enumerate(HOSTILE):
        for kind, section in (("decision", "Domain & Data"), ("risk", "Risks"), ("note", "Notes")):
            mark = f"mark-{kind}-{n:02d}"
            pl.add(1, kind, f"{payload}\n{mark}")
            where[mark] = section
    return where


def test_F4_structure_injection_cannot_change_the_plans_outline(planner):
    """Entries holding headings, fences (unclosed, `~~~`), setext underlines, a link reference definition,
    raw HTML, an indented code block, quotes, lists and table rows, as decisions, risks and notes:
    markdown-it finds exactly the scaffold's headings, no fence or code block, no reference
    definition, and every entry inside the section it belongs to, as one bullet in bullet sections."""
    where = _hostile_planner(planner)
    text = planner.render()
    env: dict = {}
    tokens = PARSER.parse(text, env)
    assert headings(text) == outline(planner)
    assert not [t for t in tokens if t.type in ("fence", "code_block", "html_block", "hr")]
    assert not env.get("references")
    lines = text.split("\n")
    items = [t.map for t in tokens if t.type == "list_item_open" and t.level == 1]
    for mark, section in where.items():
        line = next(i for i, ln in enumerate(lines) if ln.rstrip().endswith(mark))
        assert section_of(text, line) == section, mark
        if section != "Notes":
            assert any(start <= line < end for start, end in items), mark


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(HOSTILE + ["plain words", "", "  indented"]), min_size=1, max_size=4), max_size=6))
def test_F4_outline_holds_for_any_mix_of_hostile_lines(planner, mixes):
    """For generated sessions mixing hostile lines into multi-line decisions, risks and notes, the rendered
    plan's headings always equal the scaffold's outline."""
    session = planner.session.model_copy(deep=True)
    for i, parts in enumerate(mixes):
        text = "\n".join(parts).strip() or "x"
        kind = ("decision", "risk", "note")[i % 3]
        actions.add_entry(session, planner.role, 1 + i % 10, kind, text, now=planner.clock(), author="person")
    assert headings(render_plan(planner.role, session, planner.epic.title)) == outline(planner)


# ---------------------------------------------------------------------------------------- F5

_RENDER = "import sys\nfrom pathlib import Path\nfrom planner_tui.core.engine import Planner\n" \
          "sys.stdout.buffer.write(Planner.open(Path(sys.argv[1]), epic=sys.argv[2]).render().encode('utf-8'))\n"


def test_F5_same_session_gives_identical_bytes_everywhere_and_no_second_commit(planner, make_ready, child_env):
    """The plan is UTF-8 without BOM, LF only, one trailing newline, and byte-identical when rendered twice,
    from a session file with topics and keys in another order, and in child processes with other
    locales, time zones and hash seeds; so committing again creates no commit."""
    make_ready(planner)
    planner.add(3, "note", "Zeitzone: Straße — ünïcödé, 東京, emoji 📷")
    first = planner.render()
    assert first == planner.render()
    data = first.encode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    assert first.endswith("\n") and not first.endswith("\n\n")
    path = planner.store.path
    raw = json.loads(path.read_bytes())
    raw["topics"].reverse()
    path.write_text(json.dumps(dict(reversed(list(raw.items()))), indent=1), encoding="utf-8")
    assert reopen(planner.project.root).render() == first
    for extra in ({"LC_ALL": "C", "LANG": "C", "TZ": "Pacific/Kiritimati", "PYTHONHASHSEED": "1"},
                  {"LC_ALL": "tr_TR.UTF-8", "TZ": "America/St_Johns", "PYTHONHASHSEED": "987654"}):
        out = subprocess.run([sys.executable, "-c", _RENDER, str(planner.project.root), DEMO_EPIC],
                             env={**child_env, **extra}, capture_output=True, timeout=60, check=True).stdout
        assert out == data, extra
    pl = reopen(planner.project.root)
    assert pl.commit().created
    head = git(planner.project.root, "rev-parse", "HEAD")
    again = reopen(planner.project.root).commit()
    assert again.created is False and git(planner.project.root, "rev-parse", "HEAD") == head
    assert (planner.project.root / planner.plan_path).read_bytes() == data
