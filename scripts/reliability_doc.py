"""Generate docs/reliability.md from the reliability tests, so the document cannot drift from them.

Every test function in `tests/reliability/test_*.py` named `test_<ID>_…` (ID a catalogue id such as
`A1` or `C14`, optionally followed by a lowercase letter) is listed under its case with its
docstring, which says what the product does. Cases without a test are marked. Usage:

    python scripts/reliability_doc.py          # rewrite docs/reliability.md
    python scripts/reliability_doc.py --check  # exit 1 if docs/reliability.md is stale
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CATALOGUE", "TestCase", "collect", "generate", "main"]

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "reliability"
DOC = ROOT / "docs" / "reliability.md"

CATALOGUE: list[tuple[str, str, list[str]]] = [
    ("A", "Crash safety and durability (session file and plan file)", [
        "SIGKILL during a session save",
        "Power loss after save() returned",
        "Disk full, I/O error, cross-device rename",
        "Temp file placement and orphan recovery",
        "Terminal closed, SIGHUP, SIGTERM, SIGINT",
        "Unhandled exception mid-session",
        "Two instances on the same project",
        "External modification or hostile filesystem state",
        "Crash between writing the plan and committing it",
    ]),
    ("B", "Session file content and schema", [
        "Corrupt inputs",
        "Foreign but well-formed encodings",
        "Newer schema version",
        "Older schema version",
        "Big session",
    ]),
    ("C", "git commit of the plan path only", [
        "Not a git repository",
        "Unborn HEAD",
        "Unrelated work is not swept in",
        "Our path already staged with different content",
        "Identity missing or invalid",
        "Concurrent git holds index.lock",
        "Ref lock or HEAD race",
        "Detached HEAD",
        "Repository mid-operation",
        "Hooks",
        "Signing required",
        "Path is gitignored",
        "Line endings and filters",
        "Repository layouts",
        "Commit message integrity and idempotence",
    ]),
    ("D", "Input files and links", [
        "Traversal and absolute links",
        "Prefix-confusion sibling",
        "Symlink escape, loops and TOCTOU",
        "Special files",
        "Link graph",
        "Huge files",
        "Binary and encodings",
    ]),
    ("E", "Rendering in the TUI (terminal and markup safety)", [
        "Terminal escape sequences in file content and user text",
        "Markup injection everywhere text is displayed",
        "The error path is safe too",
    ]),
    ("F", "Template rendering and plan output", [
        "Template syntax in user text",
        "Template discipline guards",
        "Markdown-significant characters survive unchanged",
        "Markdown structure injection",
        "Deterministic, well-formed output",
    ]),
    ("G", "File watching", [
        "Editor save patterns",
        "Keep watching after many saves",
        "Bursts and partial writes",
        "Deletions and directory churn",
        "No self-triggered loops",
        "Watcher lifecycle and environment",
    ]),
    ("H", "Hostile repositories, hostile text, agents without a terminal", [
        "Writes that leave the plan path",
        "Folder names used byte for byte",
        "Rule checks in linear time",
        "Locks that die with their holder",
        "Hooks that never end",
        "Git configuration honoured or refused",
        "The workbench without a terminal",
        "Cost that does not grow with unrelated epics",
        "Invisible characters in the commit subject",
        "One sentence instead of an internal error",
    ]),
]
"""Groups of the fault catalogue: letter, title, case titles (ids are the letter and 1-based index)."""

ANSWERS: dict[str, str] = {
    "A2": "Without LazyFS (a FUSE file system), the power cut is replayed from an strace log of a real save: "
          "after every recorded step, unsynced data is dropped from a copy of the folder, as LazyFS drops it.",
    "A3": "The engine raises `SessionError(\"Session NOT saved: <strerror>.\")` and keeps the text in "
          "`SessionStore.last_error` (cleared by the next good save); the workbench shows it as a persistent "
          "banner under the top bar until a change is saved, and the typed text stays in the composer.",
    "A4": "The engine offers recoverable orphans through `Planner.orphans()` (adopt one with "
          "`store.adopt()`) and quarantines unreadable ones; at start the workbench shows an ATTENTION "
          "dialog with the entries the orphan adds or lacks, offering to recover it, restore the newest "
          "backup, or keep the current session.",
    "A5": "There is no debounce: every change is saved before the call returns, so nothing is pending "
          "when a signal arrives and no signal handler is needed.",
    "A6": "The change is on disk. Each workbench run keeps a marker `.planner-tui/running/<epic>.<role>.<pid>`, "
          "removed at a clean exit; the run holds a kernel lock on it, so a marker nobody holds (the run was "
          "killed, in a container or not) makes the next start say \"The previous session ended "
          "unexpectedly\" (there is nothing else to restore).",
    "A7": "Answered by merging, not by refusing or read-only: the workbench and the agent's command line "
          "may work on one session at once. Each change takes a short exclusive lock "
          "(`<session>.lock`, a kernel lock through filelock, with a note of pid and host beside it), re-reads the file and applies "
          "the change to the freshest copy, so no writer overwrites another's entries. A live holder "
          "beyond the 2 s wait is named by pid and host; a killed holder's lock is freed by the kernel at once.",
    "A8": "(a) Changes made on disk by another tool are merged (the change is applied to the file as it "
          "is now), not offered as reload/merge/overwrite. (b) No alternate (XDG state) location is "
          "offered; the error names the reason and the data stays in memory.",
    "A9": "`Planner.pending_commit()` tells \"plan written, not committed\"; the workbench says \"Commit "
          "pending Backend plan … Press ctrl+s\" at start.",
    "B1": "The engine names the problem and the newest valid backup in the error; the workbench opens "
          "on a dialog offering that backup (with the entries it holds) or a fresh start. Rotating backups "
          "are taken at most every 30 s, so after quick saves the newest backup may be a few changes old.",
    "B3": "Opened read-only: the workbench shows a READ-ONLY banner with the reason and disables the "
          "composer; unknown fields are kept in memory.",
    "C8": "Asked, default no: the commit dialog shows \"Commit on a detached HEAD\" only when HEAD is detached "
          "(the command line needs `--allow-detached`), and a detached commit's id stays shown until closed.",
    "C12": "Asked, default no: the commit dialog shows \"Commit although .gitignore ignores <path>\" only when "
           "it does (the command line needs `--allow-ignored`).",
    "G4": "(c) A moved or removed epic folder is reported once (\"moved or removed\"), and again when it is back.",
    "G6": "(c) A failing OS watcher is reported as \"Live reload disabled: <reason>\" and replaced by polling, "
          "so changes still arrive.",
    "B4": "A missing `schema_version` is read as schema 0, whose migration passes a schema-1 shaped file "
          "through unchanged; the exact original is kept as `<name>.v0.bak` before the first save.",
    "B5": "Saving is synchronous and fast enough (tens of ms for 5 MB here); the 300 ms budget is "
          "benchmarked in `benchmarks/`, this test asserts a loose 2 s bound.",
}
"""The product's answer where the catalogue leaves a choice, or what is not done (shown with the case)."""

FIXTURE_SKIPS = {
    "strace_bin": "strace is not installed or ptrace is refused",
    "mounts": "mounting is not allowed here (needs root and mount(8))",
    "pid_namespace": "unshare(1) is missing or cannot make a PID namespace (needs root or user namespaces)",
}
"""Fixtures that skip a test on machines lacking a tool, with the condition shown in the document."""

_NAME = re.compile(r"^test_([A-H]\d{1,2})[a-z]?_")


@dataclass
class TestCase:
    """One test function of the suite, as the document shows it."""

    case: str
    name: str
    module: str
    doc: str
    variants: int | None = None
    skips: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _strings(node: ast.AST) -> str | None:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _variants(func: ast.FunctionDef, constants: dict[str, ast.AST]) -> int | None:
    """How many parameter sets the parametrize decorators give, when they are literal (or named) lists."""
    total = None
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("mark.parametrize") and len(deco.args) > 1:
            values = deco.args[1]
            if isinstance(values, ast.Call) and ast.unparse(values.func) == "list" and len(values.args) == 1:
                values = values.args[0]  # list(CONSTANT): the keys of a dict, the items of a list
            if isinstance(values, ast.Name):
                values = constants.get(values.id, values)
            if isinstance(values, (ast.List, ast.Tuple)):
                total = (total or 1) * len(values.elts)
            elif isinstance(values, ast.Dict):
                total = (total or 1) * len(values.keys)
    return total


def _skips(func: ast.FunctionDef) -> list[str]:
    found = []
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("mark.skipif"):
            for kw in deco.keywords:
                if kw.arg == "reason" and (text := _strings(kw.value)):
                    found.append(text)
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.skip" and node.args:
            text = _strings(node.args[0])
            found.append(text if text else "(see the test)")
    found += [reason for arg, reason in FIXTURE_SKIPS.items() if arg in {a.arg for a in func.args.args}]
    return found


def collect(tests: Path = TESTS) -> list[TestCase]:
    """Every `test_<ID>_…` function of the suite, in file and source order; raises on an unknown id."""
    known = {f"{letter}{i}" for letter, _, titles in CATALOGUE for i in range(1, len(titles) + 1)}
    cases = []
    for path in sorted(tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: n.value for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or not (m := _NAME.match(node.name)):
                continue
            if m.group(1) not in known:
                raise ValueError(f"{path.name}: {node.name} names {m.group(1)}, which is not a catalogue id")
            cases.append(TestCase(m.group(1), node.name, path.name, _one_line(ast.get_docstring(node) or ""),
                                  _variants(node, constants), _skips(node)))
    return cases


def generate(tests: Path = TESTS) -> str:
    """The whole document, as markdown (LF, one trailing newline)."""
    cases = collect(tests)
    by_id: dict[str, list[TestCase]] = {}
    for case in cases:
        by_id.setdefault(case.case, []).append(case)
    total = sum(len(titles) for _, _, titles in CATALOGUE)
    out = [
        "# Reliability: what planner-tui does when things go wrong",
        "",
        "<!-- Generated by scripts/reliability_doc.py from tests/reliability/: do not edit by hand. -->",
        "",
        "Each case of the fault catalogue (A1–G6) is listed with the tests in `tests/reliability/` that cause",
        "the fault for real (killed processes, full disks, read-only mounts, traced and failed system calls,",
        "hostile files, real git repositories) and, from each test's docstring, what the product does.",
        "A test that needs a tool this machine may lack is skipped with its reason, never faked; the",
        "condition is shown as *skips when*. Run `python scripts/reliability_doc.py` after changing a test;",
        "`tests/reliability/test_doc_in_sync.py` fails while this file is stale.",
        "",
        f"{len(by_id)} of {total} cases have tests ({len(cases)} test functions).",
    ]
    for letter, title, titles in CATALOGUE:
        out += ["", f"## {letter}. {title}"]
        for i, case_title in enumerate(titles, 1):
            cid = f"{letter}{i}"
            out += ["", f"### {cid}. {case_title}", ""]
            if cid in ANSWERS:
                out += [f"*Product answer:* {ANSWERS[cid]}", ""]
            found = by_id.get(cid, [])
            if not found:
                out.append("**No test yet.**")
            for case in found:
                more = f", {case.variants} variants" if case.variants else ""
                out.append(f"- `{case.name}` ({case.module}{more}): {case.doc or '(no docstring)'}")
                for reason in case.skips:
                    out.append(f"  *Skips when:* {reason}.")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/reliability.md, or with --check report whether it is up to date (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the document is stale")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is stale: run python scripts/reliability_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
