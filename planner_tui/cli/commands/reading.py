"""Commands that only read: epics, check, status, show, questions and search."""

from __future__ import annotations

import argparse
import sys

from planner_tui.cli.context import open_planner, out, print_json
from planner_tui.cli.exits import EXIT_BLOCKED, EXIT_OK
from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import one_line, shown_name, visible

__all__ = ["epics", "check", "status", "show", "questions", "search"]


def epics(args: argparse.Namespace) -> int:
    from planner_tui.core.project import Project

    project = Project.load(args.project, prompts=args.prompts, role=None)  # needs no role: a broken prompt never stops it
    if args.json:
        print_json([e.model_dump(mode="json", exclude={"task"}) for e in project.epics])
        return EXIT_OK
    if not project.epics:
        out("No epics found.")
    for epic in project.epics:
        roles = ", ".join(epic.roles) or "no role plans yet"
        out(f"{shown_name(epic.folder)}  {one_line(epic.title, 80)}  [{roles}]")  # every byte of the name shows
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import check_report

    data, lines, ok = check_report(open_planner(args))
    # The settings file too: a key two bindings share, or an unknown theme, needs attention.
    from planner_tui.keymap import settings_problems
    from planner_tui.settings import load_settings

    settings = load_settings()
    problems = settings_problems(dict(settings.keymap), settings.theme)
    data["settings"] = problems
    lines = [*lines, *(f"Settings: {p}" for p in problems)]
    ok = ok and not problems
    if args.json:
        print_json(data)
    else:
        for line in lines:
            out(line)
    return EXIT_OK if ok else EXIT_BLOCKED


def status(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import status_lines

    data = open_planner(args).status()
    if args.json:
        print_json(data)
    else:
        for line in status_lines(data):
            out(line)
    return EXIT_OK if data["ready"] else EXIT_BLOCKED


def show(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import thread_data, thread_lines

    data = thread_data(open_planner(args), args.topic)
    if args.json:
        print_json(data)
    else:
        for line in thread_lines(data):
            out(line)
    return EXIT_OK


def questions(args: argparse.Namespace) -> int:
    from planner_tui.core.discussion.batch import numbered_questions

    planner = open_planner(args)
    spec = planner.role.topic(args.topic)
    numbered = numbered_questions(planner.session, planner.role, args.topic)
    if args.json:
        print_json([{"number": n, "id": e.id, "text": e.text, "author": e.author} for n, e in numbered])
        return EXIT_OK
    if not numbered:
        print(visible(f"Topic {spec.number} ({spec.title}) has no open questions."))
    for n, entry in numbered:
        lines = visible(entry.text).split("\n")
        print(f"#{n} {lines[0]}  [{entry.id}]")
        for more in lines[1:]:
            print(f"   {more}")
    return EXIT_OK


def search(args: argparse.Namespace) -> int:
    from planner_tui.core.epic.search import search_all

    if args.limit < 1:
        raise PlannerError("--limit must be at least 1.")
    hits = search_all(open_planner(args), args.text, limit=args.limit)
    if args.json:
        print_json([{"path": h.path, "line": h.line, "text": h.text, "kind": h.kind} for h in hits])
    else:
        for hit in hits:
            print(visible(str(hit)))
        if not hits:
            print(visible(f"planner-tui: no match for {one_line(args.text, 80)!r}."), file=sys.stderr)
    return EXIT_OK if hits else EXIT_BLOCKED
