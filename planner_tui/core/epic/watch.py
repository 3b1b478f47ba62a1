"""Watch project files and folders for changes that survive atomic saves, bursts and re-created folders."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

__all__ = ["watch_paths", "is_ignored", "watch_roots"]

# Our own atomic-write temp files (`.<name>.<hex>.tmp`), editors' temp and backup files, and lock
# files: a change to any of them is never a change a person made to a watched file.
_IGNORED_NAME = re.compile(
    r"""(?x)
    ^\..*\.tmp$            # our atomic writes: .session.json.1a2b3c4d.tmp
    | \.tmp$ | \.lock$      # other temp files; session.lock, index.lock
    | \.sw[a-p]$ | ~$ | ^\.\# | ___jb_(?:tmp|old)___$   # vim, emacs, JetBrains
    """
)
_IGNORED_DIRS = frozenset({".git", "__pycache__"})

# (exists, is a folder, device, inode): what changes when a path appears, vanishes or is replaced.
_Shape = tuple[bool, bool, int, int]
# The shape plus size and mtime: enough to notice a write that fell between two watchers.
_Stamp = tuple[bool, bool, int, int, int, int]


def is_ignored(path: Path) -> bool:
    """True for paths whose changes never matter: temp, lock and backup files, and anything in `.git/`."""
    if _IGNORED_DIRS.intersection(path.parts):
        return True
    return bool(_IGNORED_NAME.search(path.name))


def _stamp(path: Path) -> _Stamp:
    try:
        st = path.stat()
    except OSError:
        return (False, False, 0, 0, 0, 0)
    return (True, os.path.isdir(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _shape(path: Path) -> _Shape:
    return _stamp(path)[:4]  # type: ignore[return-value]


def watch_roots(targets: Iterable[Path]) -> list[Path]:
    """The folders to hand to the OS watcher for these paths.

    A folder is watched itself; a file (or a missing path whose folder exists) through its
    folder, because a watch on the file's inode goes deaf after the first atomic save. A path
    whose folder is missing too is not watched at all: it is checked on every wake-up instead,
    which is cheaper and safer than recursively watching a far ancestor such as the project root.
    Roots inside other roots are dropped (the outer watch is recursive).
    """
    roots: set[Path] = set()
    for target in targets:
        if target.is_dir():
            roots.add(target)
        elif target.parent.is_dir():
            roots.add(target.parent)
    ordered = sorted(roots, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for root in ordered:
        if not any(root.is_relative_to(k) for k in kept):
            kept.append(root)
    return kept


class _HandlerFailed(Exception):
    """Carries an exception raised by the caller's callback past our own error handling."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original = original


class _Watcher:
    """The state of one `watch_paths` call: targets, the armed roots and the pending changes."""

    def __init__(
        self,
        paths: list[Path],
        on_change: Callable[[set[Path]], None],
        on_error: Callable[[str], None] | None,
        on_ready: Callable[[], None] | None,
    ) -> None:
        # Events arrive with the resolved spelling of the watched folder; report the caller's own.
        self.spelling: dict[Path, Path] = {Path(os.path.abspath(p)).resolve(): Path(p) for p in paths}
        self.targets = list(self.spelling)
        self.on_change = on_change
        self.on_error = on_error
        self.on_ready = on_ready
        self.reported_errors: set[str] = set()
        self.stamps: dict[Path, _Stamp] = {t: _stamp(t) for t in self.targets}
        self.pending: set[Path] = set()
        self.first_pending = 0.0
        self.last_event = 0.0

    def ready(self) -> None:
        """Tell the caller, once, that a watcher is listening (or that there is nothing to watch yet)."""
        if self.on_ready is not None:
            ready, self.on_ready = self.on_ready, None
            try:
                ready()
            except Exception as exc:
                raise _HandlerFailed(exc) from exc

    def error(self, message: str) -> None:
        if self.on_error is not None and message not in self.reported_errors:
            self.reported_errors.add(message)
            try:
                self.on_error(message)
            except Exception as exc:
                raise _HandlerFailed(exc) from exc

    def relevant(self, raw: str) -> Path | None:
        """The caller-spelled path for an event path that matters, or None."""
        path = Path(raw)
        for target in self.targets:
            if path == target:
                return self.spelling[target]  # a watched path itself counts even if named `x.lock`
            if path.is_relative_to(target) and not is_ignored(path.relative_to(target)):
                return self.spelling[target] / path.relative_to(target)
        return None

    def add(self, paths: set[Path]) -> None:
        if not paths:
            return
        now = time.monotonic()
        if not self.pending:
            self.first_pending = now
        self.pending |= paths
        self.last_event = now

    def look(self, covered: set[Path], *, gap: bool = False) -> None:
        """Re-stat the targets and queue those that changed without an event saying so.

        Normally only a change of shape counts (appeared, vanished, replaced: what a missing
        path or a dead watch cannot report). Right after arming a new watcher (`gap`), any
        change of size or mtime counts too: it happened while no watcher was listening.
        """
        for target in self.targets:
            stamp = _stamp(target)
            old = self.stamps[target]
            changed = stamp != old if gap else stamp[:4] != old[:4]
            self.stamps[target] = stamp
            if changed and self.spelling[target] not in covered:
                self.add({self.spelling[target]})

    def flush(self, quiet_s: float, max_s: float, stop: threading.Event) -> None:
        """Call on_change once the burst is over (quiet for `quiet_s`, or held for `max_s`)."""
        if not self.pending or stop.is_set():
            return
        now = time.monotonic()
        if now - self.last_event >= quiet_s or now - self.first_pending >= max_s:
            batch, self.pending = self.pending, set()
            try:
                self.on_change(batch)
            except Exception as exc:  # the caller's bug, not a watcher failure: never fall back to polling
                raise _HandlerFailed(exc) from exc


def watch_paths(
    paths: list[Path],
    stop: threading.Event,
    on_change: Callable[[set[Path]], None],
    *,
    debounce_ms: int = 100,
    force_polling: bool | None = None,
    on_error: Callable[[str], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    max_batch_ms: int = 1600,
) -> None:
    """Watch files and folders until `stop` is set, calling `on_change` with what changed.

    Blocks; run it in a thread. `paths` may be files or folders (folders are watched with their
    subfolders) and need not exist yet. `on_change` gets the changed paths that are, or are
    inside, the given ones, spelled as given, once per burst (a burst ends after `debounce_ms`
    of quiet, or after `max_batch_ms`). Added, deleted and modified are not told apart: the
    caller re-reads (a `deleted` is often half of an atomic save). Temp, lock and backup files
    and `.git/` are ignored. If the OS watcher cannot be used (inotify limit), it falls back to
    polling and says so through `on_error` (each distinct message once). `force_polling=None`
    honours `WATCHFILES_FORCE_POLLING`. `on_ready` is called once, when the first watcher is
    listening (tests wait for it). Returns within about `debounce_ms` + 100 ms of `stop`.
    """
    state = _Watcher(paths, on_change, on_error, on_ready)
    quiet_s = max(debounce_ms, 1) / 1000
    max_s = max(max_batch_ms, debounce_ms) / 1000
    step = max(10, min(50, debounce_ms))
    timeout = max(step, debounce_ms)
    polling = force_polling
    if polling is None and os.getenv("WATCHFILES_FORCE_POLLING", "").lower() not in {"", "false", "disable", "disabled"}:
        polling = True

    try:
        _loop(state, stop, polling, quiet_s=quiet_s, max_s=max_s, step=step, timeout=timeout, max_batch_ms=max_batch_ms)
    except _HandlerFailed as exc:
        raise exc.original from None


def _loop(state: _Watcher, stop: threading.Event, polling: bool | None, *, quiet_s: float, max_s: float, step: int, timeout: int, max_batch_ms: int) -> None:
    """Arm a watcher on the current roots, process its batches, re-arm when the roots change."""
    while not stop.is_set():
        roots = watch_roots(state.targets)
        armed = {root: _shape(root) for root in roots}
        if not roots:
            # Nothing exists yet: look again shortly (cheap stats, no OS watch needed).
            state.ready()
            stop.wait(timeout / 1000)
            state.look(set())
            state.flush(quiet_s, max_s, stop)
            continue
        changes = watchfiles.watch(
            *roots,
            watch_filter=None,
            debounce=max_batch_ms,
            step=step,
            stop_event=stop,
            rust_timeout=timeout,
            yield_on_timeout=True,
            raise_interrupt=False,
            force_polling=polling,
        )
        first = True
        try:
            for batch in changes:
                found = {p for _change, raw in batch if (p := state.relevant(raw)) is not None}
                state.add(found)
                # The first wake-up of a new watcher also reports writes made while re-arming.
                state.look(found, gap=first)
                first = False
                state.ready()  # the OS watch exists once the first wake-up has come back
                state.flush(quiet_s, max_s, stop)
                if stop.is_set():
                    break
                # A watched folder that vanished or was replaced leaves its OS watch deaf: re-arm.
                if watch_roots(state.targets) != roots or any(_shape(r) != s for r, s in armed.items()):
                    break
        except _HandlerFailed:
            raise
        except FileNotFoundError:
            stop.wait(0.05)  # a root vanished while arming; recompute the roots
        except (OSError, RuntimeError) as exc:
            # inotify limits (ENOSPC, EMFILE) and watcher-thread errors: poll instead of going deaf.
            if not polling:
                polling = True
                state.error(f"File watching failed ({exc}); switched to polling.")
            else:
                state.error(f"File watching failed even when polling ({exc}); retrying.")
                stop.wait(1.0)
        finally:
            changes.close()  # releases the inotify instance before the next one is made
