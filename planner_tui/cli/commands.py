"""Command line handlers for revising, citing, searching, batch answers and the decision log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import one_line, visible

__all__ = ["add_parsers", "COMMANDS"]

EXIT_OK, EXIT_BLOCKED = 0, 1


def add_parsers(add: Callable[..., argparse.ArgumentParser], who: dict[str, Any]) -> None:
    """Add this module's commands through cli.build_parser's `add(name, help)`."""
    add("diff", "the plan as it would be committed now against the committed version, section by section").add_argument(
        "--json", action="store_true", help="print JSON"
    )
    add("reconfirm", "keep an entry as it is: re-record its citation's hash and settle its differences with earlier plans").add_argument(
        "entry_id"
    )
    p = add("edit", "replace an entry's text (its citation's hash is recorded again)")
    p.add_argument("entry_id")
    p.add_argument("text")
    p = add("search", "find text in the artifacts, the discussion and the rendered plan (exit 1 when nothing matches)")
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=500, metavar="N", help="at most N hits (default 500)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = add("questions", "a topic's open questions as one numbered list (the numbers answer-batch uses)")
    p.add_argument("topic", help="topic number or id")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = add("answer-batch", "answer a topic's open questions by number in one go, all or nothing")
    p.add_argument("topic", help="topic number or id")
    p.add_argument("text", help="lines `N: answer`, `N. answer` or `#N answer`; `-` reads them from stdin")
    p.add_argument("--as", dest="author", **who)
    p = add("export", "the decision log: every decision with its topic, time, author, citations and settled questions")
    p.add_argument("--format", choices=["md", "json"], default="md", help="markdown (default) or JSON")
    p.add_argument("--output", type=Path, metavar="FILE", help="write it to FILE instead of stdout")


def _planner(args: argparse.Namespace):
    from planner_tui.cli.main import _planner as open_planner

    return open_planner(args)


def _print_json(data: Any) -> None:
    from planner_tui.cli.main import _print_json as emit

    emit(data)


def _cmd_diff(args: argparse.Namespace) -> int:
    from planner_tui.core.plan.diff import section_diff, summary

    planner = _planner(args)
    old = planner.committed_plan()
    new = planner.render()
    changes = section_diff(old, new)
    if args.json:
        _print_json(
            {
                "plan_path": planner.plan_path,
                "committed": old is not None,
                "summary": summary(changes) if old is not None else "no committed plan yet",
                "sections": [{"heading": c.heading, "status": c.status, "lines": c.lines} for c in changes],
            }
        )
        return EXIT_OK
    if old is None:
        print(visible(f"{planner.plan_path} is not committed yet: every section is new."))
    else:
        print(visible(f"{planner.plan_path} against the committed version: {summary(changes)}."))
    for change in changes:
        if change.status == "unchanged":
            continue
        print(visible(f"## {change.heading or '(title)'} [{change.status}]"))
        for line in change.lines:
            print(visible(line))
    return EXIT_OK


def _cmd_reconfirm(args: argparse.Namespace) -> int:
    entry = _planner(args).reconfirm(args.entry_id)
    print(visible(f"Re-confirmed {entry.id}."), file=sys.stderr)
    return EXIT_OK


def _cmd_edit(args: argparse.Namespace) -> int:
    _planner(args).edit(args.entry_id, args.text)
    return EXIT_OK


def _cmd_search(args: argparse.Namespace) -> int:
    from planner_tui.core.epic.search import search_all

    if args.limit < 1:
        raise PlannerError("--limit must be at least 1.")
    hits = search_all(_planner(args), args.text, limit=args.limit)
    if args.json:
        _print_json([{"path": h.path, "line": h.line, "text": h.text, "kind": h.kind} for h in hits])
    else:
        for hit in hits:
            print(visible(str(hit)))
        if not hits:
            print(visible(f"No match for {one_line(args.text, 80)!r}."), file=sys.stderr)
    return EXIT_OK if hits else EXIT_BLOCKED


def _cmd_questions(args: argparse.Namespace) -> int:
    from planner_tui.core.discussion.batch import numbered_questions

    planner = _planner(args)
    spec = planner.role.topic(args.topic)
    numbered = numbered_questions(planner.session, planner.role, args.topic)
    if args.json:
        _print_json([{"number": n, "id": e.id, "text": e.text, "author": e.author} for n, e in numbered])
        return EXIT_OK
    if not numbered:
        print(visible(f"Topic {spec.number} ({spec.title}) has no open questions."))
    for n, entry in numbered:
        lines = visible(entry.text).split("\n")
        print(f"{n}. {lines[0]}  [{entry.id}]")
        for more in lines[1:]:
            print(f"   {more}")
    return EXIT_OK


def _cmd_answer_batch(args: argparse.Namespace) -> int:
    from planner_tui.cli.main import _author

    text = sys.stdin.read() if args.text == "-" else args.text
    planner = _planner(args)
    for entry in planner.answer_batch(args.topic, text, author=_author(args)):
        print(entry.id)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from planner_tui.core.epic.citations import staleness
    from planner_tui.core.plan.decision_log import decision_log, log_markdown
    from planner_tui.core.storage.files import atomic_write_text

    planner = _planner(args)
    epic = {"folder": planner.epic.folder, "title": planner.epic.title, "path": planner.epic.path}
    log = decision_log(
        planner.role, planner.session, epic=epic, stale=lambda e: staleness(e, planner.project.root, planner.project.tasks)
    )
    log["plan_path"] = planner.plan_path
    text = json.dumps(log, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else log_markdown(log)
    if args.output is None:
        if args.format == "json":
            _print_json(log)
        else:
            sys.stdout.write(visible(text))
        return EXIT_OK
    try:
        atomic_write_text(args.output, text)
    except OSError as exc:
        raise PlannerError(f"Cannot write {args.output}: {exc.strerror or exc}.") from exc
    print(visible(f"Decision log written to {args.output} ({len(log['decisions'])} decisions)."), file=sys.stderr)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "diff": _cmd_diff,
    "reconfirm": _cmd_reconfirm,
    "edit": _cmd_edit,
    "search": _cmd_search,
    "questions": _cmd_questions,
    "answer-batch": _cmd_answer_batch,
    "export": _cmd_export,
}
