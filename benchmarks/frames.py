"""Frame timing for headless Textual runs: when each frame was composed, and waiting for one."""

from __future__ import annotations

import asyncio
import time
from typing import Callable

__all__ = ["FrameClock", "rss_kb"]


class FrameClock:
    """Records the end time of every compositor refresh (one frame) of every screen.

    Headless Textual still composes each frame (it only skips writing it to a terminal), so
    the time a frame is ready is when `Screen._compositor_refresh` returns.
    """

    def __init__(self) -> None:
        from textual.screen import Screen

        self.frames: list[float] = []
        self.watchers: list[Callable[[float], None]] = []
        original = Screen._compositor_refresh
        clock = self

        def timed(screen: Screen) -> None:
            original(screen)
            now = time.perf_counter()
            clock.frames.append(now)
            for watch in list(clock.watchers):
                watch(now)

        Screen._compositor_refresh = timed  # type: ignore[method-assign]

    def last(self) -> float:
        return self.frames[-1] if self.frames else 0.0

    async def frame_after(self, moment: float, timeout: float = 10.0) -> float:
        """Wait (yielding to the app) for the first frame that ends after `moment`; returns its time."""
        limit = time.perf_counter() + timeout
        while time.perf_counter() < limit:
            for end in reversed(self.frames):
                if end > moment:
                    earlier = [f for f in self.frames if f > moment]
                    return earlier[0]
                break
            await asyncio.sleep(0.0005)
        raise TimeoutError("no frame")


def rss_kb() -> int:
    """This process's resident set size in KB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
