"""The table of commands: each declared once, with its name, help, arguments and handler."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, NamedTuple

from planner_tui.cli.commands import agent, discussion, plan, reading, warm, workbench
from planner_tui.core.models import ENTRY_KINDS, KINDS

__all__ = ["Arg", "Command", "COMMANDS", "DEFAULT_COMMAND", "find"]

Handler = Callable[[argparse.Namespace], int]


class Arg(NamedTuple):
    """One argparse argument: the positional name or flags, and `add_argument`'s keywords."""

    flags: tuple[str, ...]
    options: dict[str, Any]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(*self.flags, **self.options)


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


class Command(NamedTuple):
    """A subcommand: `planner-tui <name> <args…>` runs `handler(args)` and exits with what it returns."""

    name: str
    help: str
    handler: Handler
    args: tuple[Arg, ...] = ()


JSON = arg("--json", action="store_true", help="print JSON")
AUTHOR = arg(
    "--as", dest="author", choices=["person", "agent"], default=None,
    help="who writes it (default: $PLANNER_TUI_AUTHOR or agent)",
)
TOPIC = arg("topic", help="topic number or id")


def _kinds_help() -> str:
    """What each entry kind does, from the one table of kinds."""
    said = []
    for kind in KINDS.values():
        if kind.asks:
            said.append(f"{kind.name} (open until answered or dropped; an open one blocks confirming its topic)")
        elif kind.replies:
            said.append(f"{kind.name} (only by answering a question: use the answer command)")
        elif kind.in_plan:
            where = f"under {kind.section}" if kind.section else "in its topic's section"
            said.append(f"{kind.name} (goes into the plan {where})")
        else:
            said.append(kind.name)
    return "what the entry is: " + "; ".join(said).replace("%", "%%")

# In this order in `planner-tui --help`.
COMMANDS: tuple[Command, ...] = (
    Command("demo", "copy the bundled demo project to a temporary folder and open the workbench on it", workbench.demo, (
        arg("--dest", type=Path, metavar="DIR", help="copy the demo here instead of a temporary folder"),
        arg("--no-open", action="store_true", help="only copy it and print its path"),
        arg("--keep", action="store_true", help="keep the temporary copy on exit (it is kept anyway after a commit, or with --dest)"),
    )),
    Command("ui", "open the workbench (the default)", workbench.ui),
    Command("epics", "list the epics with their titles and which role plans exist", reading.epics, (JSON,)),
    Command("check", "preparation: rules, MCP servers, pipeline position, artifacts, plan template (exit 1 if anything blocks)",
            reading.check, (JSON,)),
    Command("status", "topics, open questions and what blocks the commit (exit 1 if anything blocks)", reading.status, (JSON,)),
    Command("add", "add an entry to a topic; prints the new entry's id", discussion.add, (
        TOPIC,
        arg("kind", choices=ENTRY_KINDS, metavar="KIND", help=_kinds_help()),
        arg("text", metavar="TEXT", help="the entry's text as one argument (quote it); markdown is kept as written"),
        arg("--cite", metavar="PATH[:LINE]", help="the artifact (and line) this entry comes from"),
        arg("--section", metavar="HEADING", help="scaffold section it lands in, when not the topic's default"),
        AUTHOR,
    )),
    Command("answer", "answer an open question", discussion.answer, (arg("question_id"), arg("text"), AUTHOR)),
    Command("drop", "drop an open question, with the reason", discussion.drop, (arg("question_id"), arg("reason"))),
    Command("flag", "flag an entry as an open question", discussion.flag, (arg("entry_id"),)),
    Command("confirm", "confirm a topic (refused while it has open questions; a topic with no entries needs --reason)",
            discussion.confirm, (arg("topic"), arg("--reason", metavar="TEXT", help="why a topic with no entries needs none (kept as a note)"))),
    Command("unconfirm", "take back a topic's confirmation", discussion.unconfirm, (arg("topic"),)),
    Command("show", "print a topic's thread", reading.show, (
        arg("topic", nargs="?", help="topic number or id (default: every topic)"),
        JSON,
    )),
    Command("render", "print the plan on stdout", plan.render),
    Command("commit", "write the plan and commit it; prints exactly the reply line", plan.commit, (
        arg("--yes", action="store_true", help="approve overwriting a plan that already exists"),
        arg("--no-verify", action="store_true", help="skip the pre-commit and commit-msg hooks"),
        arg("--allow-detached", action="store_true", help="commit even though HEAD is detached"),
        arg("--allow-ignored", action="store_true", help="commit even though .gitignore ignores the plan path"),
        arg("--dry-run", action="store_true", help="print the commit message and the reply line it would print; change nothing"),
    )),
    Command("move", "put an entry under another section of the plan (an empty SECTION puts it back under its topic's)",
            discussion.move, (arg("entry_id"), arg("section", metavar="SECTION"))),
    Command("diff", "the plan as it would be committed now against the committed version, section by section", plan.diff, (JSON,)),
    Command("reconfirm", "keep an entry as it is: re-record its citation's hash and settle its differences with earlier plans",
            discussion.reconfirm, (arg("entry_id"), AUTHOR)),
    Command("edit", "replace an entry's text (its citation's hash is recorded again)", discussion.edit, (arg("entry_id"), arg("text"))),
    Command("search", "find text in the artifacts, the discussion and the rendered plan (exit 1 when nothing matches)", reading.search, (
        arg("text"),
        arg("--limit", type=int, default=500, metavar="N", help="at most N hits (default 500)"),
        JSON,
    )),
    Command("questions", "a topic's open questions, each with its #N from the thread (the numbers answer-batch uses)",
            reading.questions, (TOPIC, JSON)),
    Command("answer-batch", "answer a topic's open questions by number in one go, all or nothing", discussion.answer_batch, (
        TOPIC,
        arg("text", help="lines `#N answer` (or `N: answer`, `N. answer`, `N) answer`); `-` reads them from stdin"),
        AUTHOR,
    )),
    Command("export", "the decision log: every decision with its topic, time, author, citations and settled questions", plan.export, (
        arg("--format", choices=["md", "json"], default="md", help="markdown (default) or JSON"),
        arg("--output", type=Path, metavar="FILE", help="write it to FILE instead of stdout"),
    )),
    Command("mcp", "serve this session to an agent over MCP (stdio): tools, the person's answers, resources", agent.mcp, (
        arg("--print-config", choices=["cursor", "claude", "vscode"], metavar="CLIENT",
            help="print the snippet for .cursor/mcp.json (cursor), .mcp.json (claude) or .vscode/mcp.json (vscode)"),
    )),
    Command("warm", "the warm process that answers the other commands without loading the libraries again: show it, start it or stop it",
            warm.warm, (
        arg("--start", action="store_true", help="start it now (and wait until it answers) instead of at the next command"),
        arg("--stop", action="store_true", help="stop it (the next command starts it again unless PLANNER_TUI_WARM=0)"),
        JSON,
    )),
)

DEFAULT_COMMAND = "ui"
"""What `planner-tui` with no command runs."""


def find(name: str) -> Command:
    """The command called `name` (KeyError when there is none: argparse has refused it already)."""
    return _BY_NAME[name]


_BY_NAME = {command.name: command for command in COMMANDS}
