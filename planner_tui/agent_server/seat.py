"""What an agent can do in a session, as plain data: one Planner, one call at a time, the CLI's rules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from planner_tui.core.discussion.numbering import numbered, open_question, parse_ref, question_numbers
from planner_tui.core.engine import NotReady, Planner
from planner_tui.core.epic.citations import parse_cite
from planner_tui.core.errors import PlannerError, TopicError
from planner_tui.core.models import KINDS, Entry
from planner_tui.core.text.display import clean_line

__all__ = ["Seat", "MAX_TEXT_CHARS", "client_label"]

MAX_TEXT_CHARS = 20_000
"""The longest text an agent may add in one entry: a runaway generation is refused, not saved."""

_NAME_CHARS = 60


def client_label(name: str | None) -> str | None:
    """The client's name from the MCP handshake, made safe to keep and show (one line, bounded)."""
    label = clean_line(name or "", _NAME_CHARS).strip()
    return label or None


def _text(value: str, what: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise TopicError(f"{what} is {len(value):,} characters long; the limit is {MAX_TEXT_CHARS:,}. Say it shorter.")
    return value


class Seat:
    """The agent's seat: every call refreshes from disk first and goes through the engine's store.

    Tool functions run in worker threads, so one lock keeps them one at a time on the planner;
    other writers (the workbench, the CLI, another client) are merged by the store as always.
    """

    def __init__(self, planner: Planner, *, require_approval: bool = False) -> None:
        self.require_approval = require_approval
        """The person's `agent_approval` setting: the agent's decisions wait for the person to keep them."""
        self.planner = planner
        planner.require_approval = require_approval
        self.lock = threading.Lock()

    @classmethod
    def open(cls, project: Path | None = None, *, prompts: Path | None = None, epic: str | None = None, role: str = "backend") -> "Seat":
        from planner_tui.settings import load_settings

        planner = Planner.open(project, prompts=prompts, epic=epic, role=role, author="agent")
        return cls(planner, require_approval=load_settings().agent_approval)

    @contextmanager
    def turn(self, client: str | None = None) -> Iterator[Planner]:
        """The planner, current with what others saved, writing as `agent` under the client's name."""
        with self.lock:
            self.planner.refresh()
            self.planner.author_name = client_label(client)
            yield self.planner

    def switch(self, epic: str, role: str | None) -> dict[str, Any]:
        """Plan another epic (or role): its own session, as the workbench's F4 opens one."""
        with self.lock:
            current = self.planner
            self.planner = Planner.open(
                current.project.root, prompts=current.project.pack, epic=epic, role=role or current.role.key, author="agent"
            )
            self.planner.require_approval = self.require_approval
        return self.epics()["current"]

    # ------------------------------------------------------------------ reading

    def epics(self) -> dict[str, Any]:
        with self.turn() as planner:
            project = planner.project
            return {
                "current": {"epic": planner.epic.folder, "role": planner.role.key},
                "epics": [{"folder": e.folder, "id": e.id, "title": e.title, "role_plans": list(e.roles)} for e in project.epics],
                "roles": [{"key": k, "name": n, "state": s} for k, n, s in project.roles_status(planner.epic)],
            }

    def status(self) -> dict[str, Any]:
        with self.turn() as planner:
            data = planner.status()
            session = planner.session
            for topic in data["topics"]:
                numbers = question_numbers(session.topic(topic["id"]))
                for question in topic["open_questions"]:
                    question["number"] = numbers.get(question["id"])
                del topic["citations"]  # the thread tool has them; status stays small
            data["commit_message"] = planner.commit_message()
            return data

    def thread(self, topic: str | None) -> list[dict[str, Any]]:
        from planner_tui.cli.reports import thread_data  # the same thread `planner-tui show --json` prints

        with self.turn() as planner:
            data = thread_data(planner, topic)
            for item in data:
                numbers = question_numbers(planner.session.topic(item["id"]))
                for entry in item["entries"]:
                    if entry["id"] in numbers:
                        entry["number"] = numbers[entry["id"]]
            return data

    def render(self) -> str:
        with self.turn() as planner:
            return planner.render()

    # ------------------------------------------------------------------ writing

    def add(self, client: str | None, topic: str, kind: str, text: str, *, cite: str | None, section: str | None, question: str | None) -> dict[str, Any]:
        _text(text, "The text")
        if kind in KINDS and KINDS[kind].replies:
            if not question:
                raise TopicError("An answer replies to a question: give `question` (its id, or #N with the topic).")
            return self.answer(client, question, text, topic=topic)
        with self.turn(client) as planner:
            citation = parse_cite(cite) if cite else None
            entry = planner.add(topic, kind, text, cite=citation, section=section)
            return self._entry(planner, entry)

    def answer(self, client: str | None, question: str, text: str, *, topic: str | None) -> dict[str, Any]:
        _text(text, "The answer")
        with self.turn(client) as planner:
            entry = planner.answer(self._open_question(planner, question, topic), text)
            return self._entry(planner, entry)

    def drop(self, client: str | None, question: str, reason: str, *, topic: str | None) -> dict[str, Any]:
        _text(reason, "The reason")
        with self.turn(client) as planner:
            qid = self._open_question(planner, question, topic)
            planner.drop(qid, reason)
            return self._entry(planner, self._find(planner, qid))

    def flag(self, client: str | None, entry_id: str) -> dict[str, Any]:
        with self.turn(client) as planner:
            planner.flag(entry_id)
            return self._entry(planner, self._find(planner, entry_id))

    def edit(self, client: str | None, entry_id: str, text: str) -> dict[str, Any]:
        _text(text, "The text")
        with self.turn(client) as planner:
            planner.edit(entry_id, text)
            return self._entry(planner, self._find(planner, entry_id))

    def confirm(self, client: str | None, topic: str, *, reason: str | None = None) -> dict[str, Any]:
        if reason:
            _text(reason, "The reason")
        with self.turn(client) as planner:
            planner.confirm(topic, reason=reason)
            spec = planner.role.topic(topic)
            return {"topic": spec.id if spec else topic, "state": "confirmed"}

    def commit(self, client: str | None, *, approve_overwrite: bool) -> dict[str, Any]:
        """The CLI's commit: the same gate, message and reply line; NotReady lists every blocker."""
        with self.turn(client) as planner:
            try:
                outcome = planner.commit(yes=approve_overwrite)
            except NotReady as exc:
                lines = "\n".join(f"- {b.message}" for b in exc.blockers)
                raise PlannerError(f"Not ready to commit:\n{lines}") from exc
            return {
                "reply": outcome.reply,
                "path": outcome.path,
                "commit_message": planner.commit_message(),
                "sha": outcome.sha,
                "created": outcome.created,
                "git": outcome.message,
                "notes": outcome.notes,
            }

    # ------------------------------------------------------------------ waiting

    def settled(self, questions: list[str], topic: str | None) -> dict[str, Any]:
        """Which of these questions are answered or dropped (with the answer), and which still wait."""
        with self.turn() as planner:
            session = planner.session
            done: list[dict[str, Any]] = []
            waiting: list[dict[str, Any]] = []
            for ref in questions:
                entry = self._find(planner, self._question_id(planner, ref, topic))
                if entry.kind not in KINDS or not KINDS[entry.kind].asks:
                    raise TopicError(f"{entry.id} is a {entry.kind}, not a question.")
                item = {"question": entry.id, "text": entry.text, "status": entry.status}
                if entry.status == "answered" and entry.answer_id:
                    found = session.find_entry(entry.answer_id)
                    if found is not None:
                        answer = found[1]
                        item["answer"] = {"id": answer.id, "text": answer.text, "author": answer.author, "author_name": answer.author_name}
                elif entry.status == "dropped":
                    item["reason"] = entry.drop_reason
                (waiting if entry.is_open else done).append(item)
            return {"settled": done, "waiting": waiting}

    def session_file(self) -> Path:
        return self.planner.store.path

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _find(planner: Planner, entry_id: str) -> Entry:
        found = planner.session.find_entry(entry_id.strip())
        if found is None:
            raise TopicError(f"There is no entry {entry_id!r} in this session.")
        return found[1]

    @staticmethod
    def _question_id(planner: Planner, ref: str, topic: str | None) -> str:
        """An entry id as it is, or `#N` of the topic (answered and dropped ones keep their numbers)."""
        number = parse_ref(ref)
        if number is None:
            return ref.strip()
        state = Seat._topic_state(planner, ref, topic)
        found = dict(numbered(state)).get(number)
        if found is None:
            raise TopicError(f"There is no question #{number} in topic {topic}.")
        return found.id

    @staticmethod
    def _open_question(planner: Planner, ref: str, topic: str | None) -> str:
        number = parse_ref(ref)
        if number is None:
            return ref.strip()
        return open_question(Seat._topic_state(planner, ref, topic), number).id

    @staticmethod
    def _topic_state(planner: Planner, ref: str, topic: str | None):
        if topic is None or not str(topic).strip():
            raise TopicError(f"Question {ref} is numbered within a topic: give `topic` too (or the question's id).")
        spec = planner.role.topic(topic)
        if spec is None:
            raise TopicError(f"No topic {topic!r}; topics are 1–{len(planner.role.topics)} or their ids.")
        return planner.session.topic(spec.id)

    @staticmethod
    def _entry(planner: Planner, entry: Entry) -> dict[str, Any]:
        found = planner.session.find_entry(entry.id)
        topic = found[0] if found else None
        data: dict[str, Any] = {"id": entry.id, "kind": entry.kind, "topic": topic.id if topic else None, "author": entry.author}
        if entry.author_name:
            data["author_name"] = entry.author_name
        if entry.kind in KINDS and KINDS[entry.kind].asks:
            data["number"] = question_numbers(topic).get(entry.id)
            data["status"] = entry.status
        if entry.cite is not None:
            data["cite"] = str(entry.cite)
        return data
