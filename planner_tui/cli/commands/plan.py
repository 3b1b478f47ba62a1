"""Commands about the plan itself: render, diff, commit and the decision log export."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from planner_tui.cli.context import done, epics_in_discussion, open_planner, print_json
from planner_tui.cli.exits import EXIT_BLOCKED, EXIT_OK, EXIT_USAGE
from planner_tui.core.errors import PlannerError
from planner_tui.core.text.display import visible

if TYPE_CHECKING:
    from planner_tui.core.engine import Planner
    from planner_tui.core.models import Blocker

__all__ = ["render", "diff", "commit", "blockers", "export"]


def render(args: argparse.Namespace) -> int:
    sys.stdout.write(open_planner(args).render())
    return EXIT_OK


def diff(args: argparse.Namespace) -> int:
    from planner_tui.core.plan.diff import section_diff, summary

    planner = open_planner(args)
    old = planner.committed_plan()
    new = planner.render()
    changes = section_diff(old, new)
    if args.json:
        print_json(
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


def commit(args: argparse.Namespace) -> int:
    from planner_tui.core.engine import NotReady

    planner = open_planner(args)
    if args.dry_run:
        return _dry_run(planner, args.yes)
    if args.epic is None:
        pending = epics_in_discussion(planner)
        if len(pending) > 1:  # "the most recently changed" may not be the one meant
            print(visible(f"planner-tui: {len(pending)} epics have discussion not committed yet ({', '.join(pending)}); "
                          "name the one to commit with --epic."), file=sys.stderr)
            return EXIT_USAGE
    found = blockers(planner, args.yes)
    try:
        if found:
            raise NotReady(found)
        outcome = planner.commit(yes=args.yes, no_verify=args.no_verify, allow_detached=args.allow_detached, allow_ignored=args.allow_ignored)
    except NotReady as exc:
        _not_ready(planner, exc.blockers)
        return EXIT_BLOCKED
    done(f"{outcome.message or 'Committed'}; the reply line is: {outcome.reply}")
    for note in outcome.notes:
        print(visible(note), file=sys.stderr)
    if "commit message" in planner.role.derived:
        print("The commit message was derived: the role prompt has no git step.", file=sys.stderr)
    print(outcome.reply)
    return EXIT_OK


def blockers(planner: Planner, yes: bool) -> list[Blocker]:
    """What stops `commit`: the planner's blockers, and from the command line any change to a committed
    plan without --yes, also one this session imported or committed itself (an agent must say so)."""
    from planner_tui.core.models import Blocker

    found = planner.blockers(approve_overwrite=yes)
    if not yes and not any(b.kind == "overwrite" for b in found):
        committed = planner.committed_plan()
        if committed is not None and committed != planner.render():
            found.append(Blocker(kind="overwrite", message=(
                f"The committed plan at {planner.plan_path} would be replaced; approve it with commit --yes.")))
    return found


def _not_ready(planner: Planner, found: list[Blocker]) -> None:
    print(visible(f"planner-tui: not ready to commit {planner.epic.folder} ({planner.role.name}):"), file=sys.stderr)
    for blocker in found:
        print(f"- {visible(blocker.message)}", file=sys.stderr)


def _dry_run(planner, yes: bool) -> int:
    """What `commit` would do, changing nothing: the path, the exact message, the reply line,
    and what blocks it (exit 1 while anything does)."""
    found = blockers(planner, yes)
    derived = " (derived: the role prompt has no git step)" if "commit message" in planner.role.derived else ""
    print(visible(f"Would commit {planner.plan_path} with this message{derived}:"))
    print(visible(planner.commit_message()))
    print()
    print("and print this reply line:")
    print(visible(planner.reply()))
    if found:
        _not_ready(planner, found)
        return EXIT_BLOCKED
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    from planner_tui.core.epic.citations import staleness
    from planner_tui.core.plan.decision_log import decision_log, log_markdown
    from planner_tui.core.storage.files import atomic_write_text

    planner = open_planner(args)
    epic = {"folder": planner.epic.folder, "title": planner.epic.title, "path": planner.epic.path}
    log = decision_log(
        planner.role, planner.session, epic=epic, stale=lambda e: staleness(e, planner.project.root, planner.project.tasks)
    )
    log["plan_path"] = planner.plan_path
    text = json.dumps(log, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else log_markdown(log)
    if args.output is None:
        if args.format == "json":
            print_json(log)
        else:
            sys.stdout.write(visible(text))
        return EXIT_OK
    try:
        atomic_write_text(args.output, text)
    except OSError as exc:
        raise PlannerError(f"Cannot write {args.output}: {exc.strerror or exc}.") from exc
    print(visible(f"Decision log written to {args.output} ({len(log['decisions'])} decisions)."), file=sys.stderr)
    return EXIT_OK
