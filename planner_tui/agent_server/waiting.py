"""Wait for the person: sleep on the session file's watcher until the questions are settled or time is up."""

from __future__ import annotations

import math
import threading
from typing import Any

import anyio
import anyio.lowlevel
from anyio import from_thread, to_thread

from planner_tui.agent_server.seat import Seat

__all__ = ["wait_for_answers", "MAX_WAIT_S"]

MAX_WAIT_S = 3600.0
"""The longest one call waits; the agent calls again to keep waiting."""


async def wait_for_answers(seat: Seat, questions: list[str], topic: str | None, timeout_s: float) -> dict[str, Any]:
    """The questions' answers once none is open (or when `timeout_s` passes), answered ones at once.

    The session file is watched the way the workbench watches it (`core.epic.watch`): the wait
    costs no CPU until a writer saves. Cancelling the call (the client's `notifications/cancelled`,
    or a disconnect) stops the watcher thread and returns nothing further.
    """
    if not questions:
        raise ValueError("Name at least one question to wait for.")
    if not (isinstance(timeout_s, (int, float)) and math.isfinite(timeout_s) and timeout_s >= 0):
        raise ValueError("timeout_s must be a number of seconds, 0 or more.")
    timeout_s = min(float(timeout_s), MAX_WAIT_S)
    result = await to_thread.run_sync(seat.settled, questions, topic)  # refuses unknown questions at once
    if not result["waiting"] or timeout_s == 0:
        return {**result, "timed_out": bool(result["waiting"])}

    send, receive = anyio.create_memory_object_stream[str](max_buffer_size=math.inf)
    token = anyio.lowlevel.current_token()
    stop = threading.Event()

    def notify(what: str) -> None:
        if not stop.is_set():
            try:
                from_thread.run_sync(send.send_nowait, what, token=token)
            except (RuntimeError, anyio.ClosedResourceError, anyio.BrokenResourceError):
                pass  # the wait already ended

    def watch() -> None:
        from planner_tui.core.epic.watch import watch_paths

        watch_paths([seat.session_file()], stop, lambda _paths: notify("changed"), on_ready=lambda: notify("ready"), debounce_ms=50)

    watcher = threading.Thread(target=watch, name="planner-tui-wait", daemon=True)
    watcher.start()
    try:
        with anyio.move_on_after(timeout_s):
            async with receive:
                async for _ in receive:
                    # "ready" too: a save made between the first look and the watch being armed counts.
                    result = await to_thread.run_sync(seat.settled, questions, topic)
                    if not result["waiting"]:
                        return {**result, "timed_out": False}
        result = await to_thread.run_sync(seat.settled, questions, topic)
        return {**result, "timed_out": bool(result["waiting"])}
    finally:
        stop.set()
        send.close()
