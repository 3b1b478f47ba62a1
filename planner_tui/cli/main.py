"""The command line: the workbench by default, and non-interactive commands for agents and scripts."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from planner_tui import __version__
from planner_tui.cli import commands as cli_commands
from planner_tui.core.errors import PlannerError
from planner_tui.core.epic.citations import parse_cite
from planner_tui.core.models import ENTRY_KINDS, Citation
from planner_tui.core.text.display import one_line, visible

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options accepted both before and after the command (`planner-tui status --epic 12`)."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--project", type=Path, default=default, metavar="DIR", help="project folder (default: the git work tree around the current folder)")
    parser.add_argument("--epic", default=default, metavar="EPIC", help="epic id, slug or folder name (default: the only or most recently changed)")
    parser.add_argument("--role", default=argparse.SUPPRESS if suppress else "backend", metavar="ROLE", help="role: backend, 03-backend, or a prompt file (default: backend)")
    parser.add_argument("--prompts", type=Path, default=default, metavar="DIR", help="prompt pack folder (default: found in the project)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; one place for every command and its help."""
    parser = argparse.ArgumentParser(
        prog="planner-tui",
        description="Plan one role of an epic: the workbench with no command, or a command for scripts and agents.",
    )
    parser.add_argument("--version", action="version", version=f"planner-tui {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common], **kw)

    demo = add("demo", "copy the bundled demo project to a temporary folder and open the workbench on it")
    demo.add_argument("--dest", type=Path, metavar="DIR", help="copy the demo here instead of a temporary folder")
    demo.add_argument("--no-open", action="store_true", help="only copy it and print its path")

    add("ui", "open the workbench (the default)")
    for name, help_text in (
        ("epics", "list the epics with their titles and which role plans exist"),
        ("check", "preparation: rules, MCP servers, pipeline position, artifacts (exit 1 if anything blocks)"),
        ("status", "topics, open questions and what blocks the commit (exit 1 if anything blocks)"),
    ):
        add(name, help_text).add_argument("--json", action="store_true", help="print JSON")

    who = {"choices": ["person", "agent"], "default": None, "help": "who writes it (default: $PLANNER_TUI_AUTHOR or agent)"}
    p = add("add", "add an entry to a topic; prints the new entry's id")
    p.add_argument("topic", help="topic number or id")
    p.add_argument("kind", choices=ENTRY_KINDS)
    p.add_argument("text")
    p.add_argument("--cite", metavar="PATH[:LINE]", help="the artifact (and line) this entry comes from")
    p.add_argument("--section", metavar="HEADING", help="scaffold section it lands in, when not the topic's default")
    p.add_argument("--as", dest="author", **who)
    p = add("answer", "answer an open question")
    p.add_argument("question_id")
    p.add_argument("text")
    p.add_argument("--as", dest="author", **who)
    p = add("drop", "drop an open question, with the reason")
    p.add_argument("question_id")
    p.add_argument("reason")
    add("flag", "flag an entry as an open question").add_argument("entry_id")
    add("confirm", "confirm a topic (refused while it has open questions)").add_argument("topic")
    add("unconfirm", "take back a topic's confirmation").add_argument("topic")
    p = add("show", "print a topic's thread")
    p.add_argument("topic", nargs="?", help="topic number or id (default: every topic)")
    p.add_argument("--json", action="store_true", help="print JSON")
    add("render", "print the plan on stdout")
    p = add("commit", "write the plan and commit it; prints exactly the reply line")
    p.add_argument("--yes", action="store_true", help="approve overwriting a plan that already exists")
    p.add_argument("--no-verify", action="store_true", help="skip the pre-commit and commit-msg hooks")
    p.add_argument("--allow-detached", action="store_true", help="commit even though HEAD is detached")
    p.add_argument("--allow-ignored", action="store_true", help="commit even though .gitignore ignores the plan path")
    cli_commands.add_parsers(add, who)
    return parser


def _parse_cite(value: str | None) -> Citation | None:
    # Checked (inside the project, the line exists) and hashed by Planner.add.
    return parse_cite(value) if value else None


def _author(args: argparse.Namespace) -> str:
    chosen = getattr(args, "author", None) or os.environ.get("PLANNER_TUI_AUTHOR") or "agent"
    if chosen not in ("person", "agent"):
        raise PlannerError(f"PLANNER_TUI_AUTHOR must be person or agent, not {chosen!r}.")
    return chosen


def _out(text: str = "") -> None:
    print(visible(text))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _print_json(data: Any) -> None:
    """Print data as JSON; a file name that is not UTF-8 (a lone surrogate) stays a `\\udcff` escape.

    Written raw, such a character becomes an invalid byte (or a crash) on stdout.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False)
    print(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _planner(args: argparse.Namespace):
    from planner_tui.core.engine import Planner

    return Planner.open(args.project, prompts=args.prompts, epic=args.epic, role=args.role, author=_author(args))


def _cmd_epics(args: argparse.Namespace) -> int:
    from planner_tui.core.project import Project

    project = Project.load(args.project, prompts=args.prompts, role=args.role)
    if args.json:
        _print_json([e.model_dump(mode="json", exclude={"task"}) for e in project.epics])
        return EXIT_OK
    if not project.epics:
        _out("No epics found.")
    for epic in project.epics:
        roles = ", ".join(epic.roles) or "no role plans yet"
        _out(f"{epic.folder}  {one_line(epic.title, 80)}  [{roles}]")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import check_report

    planner = _planner(args)
    data, lines, ok = check_report(planner)
    if args.json:
        _print_json(data)
    else:
        for line in lines:
            _out(line)
    return EXIT_OK if ok else EXIT_BLOCKED


def _cmd_status(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import status_lines

    planner = _planner(args)
    data = planner.status()
    if args.json:
        _print_json(data)
    else:
        for line in status_lines(data):
            _out(line)
    return EXIT_OK if data["ready"] else EXIT_BLOCKED


def _cmd_show(args: argparse.Namespace) -> int:
    from planner_tui.cli.reports import thread_data, thread_lines

    planner = _planner(args)
    data = thread_data(planner, args.topic)
    if args.json:
        _print_json(data)
    else:
        for line in thread_lines(data):
            _out(line)
    return EXIT_OK


def _cmd_mutation(args: argparse.Namespace) -> int:
    planner = _planner(args)
    if args.command == "add":
        entry = planner.add(args.topic, args.kind, args.text, cite=_parse_cite(args.cite), section=args.section)
        print(entry.id)
    elif args.command == "answer":
        print(planner.answer(args.question_id, args.text).id)
    elif args.command == "drop":
        planner.drop(args.question_id, args.reason)
    elif args.command == "flag":
        planner.flag(args.entry_id)
    elif args.command == "confirm":
        planner.confirm(args.topic)
    elif args.command == "unconfirm":
        planner.unconfirm(args.topic)
    return EXIT_OK


def _cmd_render(args: argparse.Namespace) -> int:
    sys.stdout.write(_planner(args).render())
    return EXIT_OK


def _cmd_commit(args: argparse.Namespace) -> int:
    from planner_tui.core.engine import NotReady

    planner = _planner(args)
    try:
        outcome = planner.commit(yes=args.yes, no_verify=args.no_verify, allow_detached=args.allow_detached, allow_ignored=args.allow_ignored)
    except NotReady as exc:
        print("Not ready to commit:", file=sys.stderr)
        for blocker in exc.blockers:
            print(f"- {visible(blocker.message)}", file=sys.stderr)
        return EXIT_BLOCKED
    if outcome.message:
        print(visible(outcome.message), file=sys.stderr)
    for note in outcome.notes:
        print(visible(note), file=sys.stderr)
    print(outcome.reply)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from planner_tui.demo import make_demo

    path = make_demo(args.dest)
    if args.no_open:
        print(path)
        return EXIT_OK
    print(f"Demo project copied to {path}", file=sys.stderr)
    args.project = path
    return _cmd_ui(args)


def _cmd_ui(args: argparse.Namespace) -> int:
    from planner_tui.factory import run_workbench

    return run_workbench(project=args.project, prompts=args.prompts, epic=args.epic, role=args.role)


COMMANDS = {
    "epics": _cmd_epics,
    "check": _cmd_check,
    "status": _cmd_status,
    "show": _cmd_show,
    "add": _cmd_mutation,
    "answer": _cmd_mutation,
    "drop": _cmd_mutation,
    "flag": _cmd_mutation,
    "confirm": _cmd_mutation,
    "unconfirm": _cmd_mutation,
    "render": _cmd_render,
    "commit": _cmd_commit,
    "demo": _cmd_demo,
    "ui": _cmd_ui,
    **cli_commands.COMMANDS,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 blocked or refused, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "ui"
    try:
        return COMMANDS[command](args)
    except PlannerError as exc:
        print(f"planner-tui: {visible(str(exc))}", file=sys.stderr)
        return EXIT_BLOCKED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(f"planner-tui: {visible(str(exc.strerror or exc))}: {visible(str(exc.filename or ''))}", file=sys.stderr)
        return EXIT_BLOCKED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one sentence, unless asked for the traceback
        if os.environ.get("PLANNER_TUI_DEBUG"):
            raise
        print(f"planner-tui: internal error ({type(exc).__name__}: {visible(str(exc))}); set PLANNER_TUI_DEBUG=1 for details.", file=sys.stderr)
        return EXIT_BLOCKED
