"""Commands that change the discussion: add, answer, drop, flag, confirm, edit, move, reconfirm, answer-batch."""

from __future__ import annotations

import argparse
import sys

from planner_tui.cli.context import author, cite, open_planner
from planner_tui.cli.exits import EXIT_OK
from planner_tui.core.text.display import visible

__all__ = ["add", "answer", "drop", "flag", "confirm", "unconfirm", "edit", "move", "reconfirm", "answer_batch"]


def add(args: argparse.Namespace) -> int:
    entry = open_planner(args).add(args.topic, args.kind, args.text, cite=cite(args.cite), section=args.section)
    print(entry.id)
    return EXIT_OK


def answer(args: argparse.Namespace) -> int:
    print(open_planner(args).answer(args.question_id, args.text).id)
    return EXIT_OK


def drop(args: argparse.Namespace) -> int:
    open_planner(args).drop(args.question_id, args.reason)
    return EXIT_OK


def flag(args: argparse.Namespace) -> int:
    open_planner(args).flag(args.entry_id)
    return EXIT_OK


def confirm(args: argparse.Namespace) -> int:
    open_planner(args).confirm(args.topic)
    return EXIT_OK


def unconfirm(args: argparse.Namespace) -> int:
    open_planner(args).unconfirm(args.topic)
    return EXIT_OK


def edit(args: argparse.Namespace) -> int:
    open_planner(args).edit(args.entry_id, args.text)
    return EXIT_OK


def move(args: argparse.Namespace) -> int:
    entry = open_planner(args).move(args.entry_id, args.section)
    where = entry.section or "its topic's own section"
    print(visible(f"Moved {entry.id} to {where}."), file=sys.stderr)
    return EXIT_OK


def reconfirm(args: argparse.Namespace) -> int:
    entry = open_planner(args).reconfirm(args.entry_id)
    print(visible(f"Re-confirmed {entry.id}."), file=sys.stderr)
    return EXIT_OK


def answer_batch(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    planner = open_planner(args)
    for entry in planner.answer_batch(args.topic, text, author=author(args)):
        print(entry.id)
    return EXIT_OK
