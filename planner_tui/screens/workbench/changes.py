"""The workbench's Planner changes: saved one at a time in a thread, in the order they were asked for."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Any, Callable, NamedTuple, TypeVar

from textual.dom import DOMNode

from planner_tui.core.discussion.numbering import open_question
from planner_tui.core.engine import Planner
from planner_tui.core.errors import PlannerError
from planner_tui.core.models import TopicSpec
from planner_tui.widgets.discussion.composer import Composer, parse_answer_ref

__all__ = ["ChangeQueue", "Refused", "submitted_change"]

T = TypeVar("T")

Finish = Callable[[Any, "BaseException | None"], None]


class _Step(NamedTuple):
    change: Callable[[], Any] | None
    """The Planner call, run in a worker thread; None for a step that only runs `finish`."""
    finish: Finish
    """Runs on the UI thread after the change, with its result or the exception it raised."""


class ChangeQueue:
    """Runs Planner changes (each locks, merges, writes and fsyncs the session) off the UI thread.

    One drainer task takes the steps in the order they were pushed and runs each change in a
    thread, then its `finish` on the UI thread, before it starts the next one: two changes never
    run at once, and a change always sees the session every earlier one left. While a change
    runs (`running`), the UI thread must not read or change the Planner: callers check it, or
    queue their work with `later`. Ordering does not depend on the screen's message queue, which
    stays free (a screen busy in a handler would not draw its frames). If the drainer is stopped
    (the screen or the app closes) with changes still queued, they are saved there and then, in
    order, after the one in its thread: nothing the person typed is dropped.
    """

    def __init__(self, owner: DOMNode, redraw: Callable[[], None]) -> None:
        self._owner = owner
        self._redraw = redraw
        self._steps: deque[_Step] = deque()
        self._draining = False
        self._running = False
        self._waiters: list[asyncio.Future[None]] = []
        # Held around every change: a change saved at close waits for the one still in its thread.
        self._mutex = threading.Lock()
        self.redraw_wanted = False
        """Set when a redraw was asked for while a change ran; done right after its finish."""

    @property
    def running(self) -> bool:
        """A change is in its thread right now: do not touch the Planner (its session or store)."""
        return self._running

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing running."""
        return not self._steps and not self._draining

    def push(self, change: Callable[[], Any], finish: Finish) -> None:
        """Queue a change (run in a thread) and what to do on the UI thread once it returned or raised."""
        self._steps.append(_Step(change, finish))
        self._start()

    def later(self, step: Callable[[], None]) -> None:
        """Run step now when nothing is queued, else right after the changes queued before it."""
        if self.idle:
            step()
            return
        self._steps.append(_Step(None, lambda _result, _error: step()))

    async def run(self, change: Callable[[], T]) -> T:
        """Queue a change and wait for its result (its exception is raised here)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        def finish(result: Any, error: BaseException | None) -> None:
            if future.done():  # the waiter went away
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        self.push(change, finish)
        return await future

    async def settled(self) -> None:
        """Wait until every change queued so far (and any queued meanwhile) is saved and finished."""
        while not self.idle:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter

    # ------------------------------------------------------------------ the drainer

    def _start(self) -> None:
        if self._draining:
            return
        self._draining = True
        self._owner.run_worker(self._drain(), name="planner-changes", group="planner-changes", exclusive=False)

    def _call(self, change: Callable[[], T]) -> T:
        with self._mutex:
            return change()

    async def _drain(self) -> None:
        try:
            while self._steps:
                step = self._steps.popleft()
                if step.change is None:
                    step.finish(None, None)
                    continue
                result: Any = None
                error: BaseException | None = None
                self._running = True
                try:
                    result = await asyncio.to_thread(self._call, step.change)
                except Exception as exc:  # noqa: BLE001 - PlannerError, OSError or a bug: `finish` decides
                    error = exc
                finally:
                    self._running = False
                wanted, self.redraw_wanted = self.redraw_wanted, False
                step.finish(result, error)
                if wanted:
                    self._redraw()
        except BaseException:
            # Stopped (the screen or the app is closing) or a finish failed: what is still queued
            # was typed by the person and is saved now, in order, after the change in its thread.
            self._save_rest()
            raise
        finally:
            self._draining = False
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _save_rest(self) -> None:
        rest = [step.change for step in self._steps if step.change is not None]
        self._steps.clear()
        for change in rest:
            try:
                self._call(change)
            except Exception as exc:  # noqa: BLE001 - closing: no screen is left to say it on
                self._owner.log.error(f"A change was not saved while closing: {exc}")


class Refused(PlannerError):
    """What the person typed names no question: refused before the Planner is asked."""

    def __init__(self, text: str, severity: str = "error") -> None:
        super().__init__(text)
        self.severity = severity
        """How the notice shows it: `error`, or `warning` when the person only has to say which."""


def submitted_change(planner: Planner, message: Composer.Submitted, topic: TopicSpec, selected: str | None) -> object:
    """Make the change one submitted text asks for; run it in the change thread (it reads the session).

    `selected` is the entry highlighted in the thread when enter was pressed; a `#N` reference
    and a plain answer are resolved here, on the session as every earlier change left it.
    """
    state = planner.session.topic(topic.id)
    target, text = message.target, message.text
    if target is not None and target.mode == "edit":
        return planner.edit(target.entry_id, text)
    if target is not None:
        return planner.answer(target.entry_id, text)
    if (ref := parse_answer_ref(text)) is not None:
        number, rest = ref
        try:
            question = open_question(state, number)  # missing, answered or dropped: says which
        except PlannerError as exc:
            raise Refused(str(exc)) from None
        return planner.answer(question.id, rest)
    if message.kind == "answer":
        open_ids = [e.id for e in state.open_questions] if state else []
        qid = selected if selected in open_ids else (open_ids[0] if len(open_ids) == 1 else None)
        if qid is None:
            raise Refused("Which question? Select it in the thread and press a, or type #N and the answer.", "warning")
        return planner.answer(qid, text)
    return planner.add(topic.id, message.kind, text, cite=message.cite)
