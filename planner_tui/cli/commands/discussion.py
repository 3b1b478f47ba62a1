"""Commands that change the discussion: add, answer, drop, flag, confirm, edit, move, reconfirm, answer-batch."""

from __future__ import annotations

import argparse

from planner_tui.cli.context import author, cite, done, open_planner, read_stdin
from planner_tui.cli.exits import EXIT_OK

__all__ = ["add", "answer", "drop", "flag", "confirm", "unconfirm", "edit", "move", "reconfirm", "answer_batch"]


def add(args: argparse.Namespace) -> int:
    entry = open_planner(args).add(args.topic, args.kind, args.text, cite=cite(args.cite), section=args.section)
    done(f"Added {args.kind} {entry.id} to topic {args.topic}.")
    print(entry.id)
    return EXIT_OK


def answer(args: argparse.Namespace) -> int:
    entry = open_planner(args).answer(args.question_id, args.text)
    done(f"Answered {args.question_id} with {entry.id}.")
    print(entry.id)
    return EXIT_OK


def drop(args: argparse.Namespace) -> int:
    open_planner(args).drop(args.question_id, args.reason)
    done(f"Dropped {args.question_id}.")
    return EXIT_OK


def flag(args: argparse.Namespace) -> int:
    open_planner(args).flag(args.entry_id)
    done(f"Flagged {args.entry_id} as an open question.")
    return EXIT_OK


def confirm(args: argparse.Namespace) -> int:
    open_planner(args).confirm(args.topic, reason=args.reason)
    done(f"Confirmed topic {args.topic}.")
    return EXIT_OK


def unconfirm(args: argparse.Namespace) -> int:
    open_planner(args).unconfirm(args.topic)
    done(f"Took back the confirmation of topic {args.topic}.")
    return EXIT_OK


def edit(args: argparse.Namespace) -> int:
    open_planner(args).edit(args.entry_id, args.text)
    done(f"Edited {args.entry_id}.")
    return EXIT_OK


def move(args: argparse.Namespace) -> int:
    entry = open_planner(args).move(args.entry_id, args.section)
    where = entry.section or "its topic's own section"
    done(f"Moved {entry.id} to {where}.")
    return EXIT_OK


def reconfirm(args: argparse.Namespace) -> int:
    entry = open_planner(args).reconfirm(args.entry_id)
    done(f"Re-confirmed {entry.id}.")
    return EXIT_OK


def answer_batch(args: argparse.Namespace) -> int:
    text = read_stdin() if args.text == "-" else args.text
    planner = open_planner(args)
    entries = planner.answer_batch(args.topic, text, author=author(args))
    count = len(entries)
    done(f"Answered {count} open question{'' if count == 1 else 's'} of topic {args.topic}.")
    for entry in entries:
        print(entry.id)
    return EXIT_OK
