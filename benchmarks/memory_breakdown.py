"""Where the memory row's megabytes go: RSS by stage, tracemalloc by package and module, sizes held by widgets."""

from __future__ import annotations

import gc
import sys
import threading
import tracemalloc
import types
import weakref
from collections import Counter, defaultdict
from pathlib import Path

__all__ = ["ImportMeter", "package_of", "deep_size", "big_texts", "widget_sizes", "held_sizes", "live_by_package", "smaps"]

_ROOT = str(Path(__file__).resolve().parent.parent)
_STDLIB = str(Path(types.__file__).resolve().parent)


def package_of(filename: str, *, ours_by_module: bool = True) -> str:
    """The top-level package a source file belongs to (planner-tui's own by sub-package)."""
    if filename.startswith("<frozen"):
        return filename.strip("<>")
    if "site-packages/" in filename:
        part = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        return part.removesuffix(".py").split(".")[0]
    if filename.startswith(_ROOT + "/planner_tui/"):
        parts = filename[len(_ROOT) + 1 :].removesuffix(".py").split("/")
        parts = [p for p in parts if p != "__init__"]
        return ".".join(parts[:3]) if ours_by_module else "planner_tui"
    if filename.startswith(_ROOT + "/benchmarks/"):
        return "benchmarks"
    if filename.startswith(_STDLIB):
        rest = filename[len(_STDLIB) + 1 :]
        return "stdlib" if rest.startswith("lib-dynload") else "stdlib"
    return "other"


class ImportMeter:
    """Bytes each imported module added (tracemalloc, net, excluding the modules it imported).

    Wraps importlib's `_load_unlocked`, which loads one module (code and body); the measure is
    the traced memory after minus before, minus what the nested imports added. Other threads
    allocating meanwhile count too (rare during imports here).
    """

    def __init__(self) -> None:
        import _frozen_importlib as bootstrap

        self.own: dict[str, int] = {}
        self._local = threading.local()
        self._bootstrap = bootstrap
        original = self._original = bootstrap._load_unlocked
        meter = self

        def load(spec):  # type: ignore[no-untyped-def]
            stack = meter._stack()
            stack.append(0)
            before = tracemalloc.get_traced_memory()[0]
            try:
                return original(spec)
            finally:
                inclusive = tracemalloc.get_traced_memory()[0] - before
                children = stack.pop()
                meter.own[spec.name] = meter.own.get(spec.name, 0) + inclusive - children
                if stack:
                    stack[-1] += inclusive

        bootstrap._load_unlocked = load

    def _stack(self) -> list[int]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def stop(self) -> None:
        self._bootstrap._load_unlocked = self._original

    def by_package(self) -> dict[str, int]:
        """Import bytes by top-level package (planner-tui's by sub-package)."""
        out: Counter[str] = Counter()
        for name, size in self.own.items():
            module = sys.modules.get(name)
            top = name.split(".")[0]
            if top == "planner_tui":
                top = ".".join(name.split(".")[:3])
            elif module is not None and getattr(module, "__file__", None) and module.__file__.startswith(_STDLIB):
                top = "stdlib"
            out[top] += size
        return dict(out)


def live_by_package(snapshot: tracemalloc.Snapshot) -> tuple[dict[str, int], dict[str, int], int]:
    """Live traced bytes not made while importing: by the allocating frame's package, and by the
    innermost planner-tui file on the way (what of ours caused it); plus the import total."""
    by_allocator: Counter[str] = Counter()
    by_ours: Counter[str] = Counter()
    imported = 0
    for trace in snapshot.traces:
        frames = trace.traceback  # oldest first
        if any(f.filename.startswith("<frozen importlib") for f in frames):
            imported += trace.size
            continue
        by_allocator[package_of(frames[-1].filename)] += trace.size
        ours = next((f.filename for f in reversed(frames) if "/planner_tui/" in f.filename), None)
        by_ours[package_of(ours) if ours else "(no planner-tui frame)"] += trace.size
    return dict(by_allocator), dict(by_ours), imported


def deep_size(root: object, *, stop: tuple[type, ...] = (), types_seen: Counter | None = None) -> int:
    """Bytes reachable from root, not crossing into classes, modules, functions, other DOM nodes or `stop` types.

    With `types_seen`, the bytes are also added up there by type name (what the widget holds)."""
    from textual.message_pump import MessagePump

    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType, types.FrameType,
            weakref.ref, MessagePump, *stop)
    seen: set[int] = set()
    todo, total = [root], 0
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if obj is not root and isinstance(obj, skip):
            continue
        total += sys.getsizeof(obj)
        if types_seen is not None:
            types_seen[type(obj).__name__] += sys.getsizeof(obj)
        todo.extend(gc.get_referents(obj))
    return total


def _shared() -> tuple[type, ...]:
    import asyncio

    from rich.console import Console
    from textual.css.stylesheet import Stylesheet

    return (Console, Stylesheet, asyncio.AbstractEventLoop, asyncio.Future, threading.Thread)


def widget_sizes(screen, top: int = 12) -> list[tuple[str, int, dict]]:
    """Each widget's own data (deep, not counting other widgets), the largest first."""
    stop = _shared()
    rows = []
    for node in screen.walk_children(with_self=True):
        name = type(node).__name__ + (f"#{node.id}" if node.id else "")
        kinds: Counter[str] = Counter()
        rows.append((name, deep_size(node, stop=stop, types_seen=kinds), dict(kinds.most_common(4))))
    rows.sort(key=lambda r: -r[1])
    return rows[:top] + [("(all widgets)", sum(r[1] for r in rows), {}), ("(widget count)", len(rows), {})]


def held_sizes(screen) -> dict[str, int]:
    """Bytes held by the big parts named in issue 15 (each deep; shared objects counted in each)."""
    stop = _shared()
    pane = screen.artifact_pane
    document = pane.document
    text_view = document.query_one("#doc-text")
    markdown = document.markdown_view
    preview = screen.plan_pane.preview
    out = {
        "document: text (str)": sys.getsizeof(document.text),
        "text view: text + line index": deep_size(text_view._doc, stop=stop),
        "text view: line index (array)": sys.getsizeof(text_view._doc._starts),
        "text view: drawn rows (strips)": deep_size(text_view._drawn, stop=stop),
        "markdown view (whole)": deep_size(markdown, stop=stop),
        "thread (whole)": deep_size(screen.query_one("ThreadView"), stop=stop),
        "plan preview (whole)": deep_size(preview, stop=stop),
        "artifact tree (whole)": deep_size(pane.tree, stop=stop),
        "session (planner)": deep_size(screen.planner, stop=stop),
    }
    for name in ("_cache", "_decorated", "_sections"):
        if hasattr(preview, name):
            out[f"plan preview: {name}"] = deep_size(getattr(preview, name), stop=stop)
    out["document text is the text view's"] = int(document.text is text_view._doc.text)
    return out


def strip_holders() -> dict[str, int]:
    """Textual Strips alive (each carries seven small caches, about 1 KB), by the type of what holds them."""
    from textual.strip import Strip

    strips = [o for o in gc.get_objects() if type(o) is Strip]
    ids = {id(s) for s in strips}
    out: Counter[str] = Counter({"(all strips)": len(strips)})
    for holder in gc.get_objects():
        if type(holder) in (list, tuple, dict):
            count = sum(1 for ref in gc.get_referents(holder) if id(ref) in ids)
            if count:
                out[f"in a {type(holder).__name__}"] += count
    if strips:
        out["(bytes of one strip, deep)"] = deep_size(strips[len(strips) // 2], stop=_shared())
    return dict(out)


def big_texts(limit: int = 200_000) -> list[dict]:
    """Every str or bytes of at least `limit` bytes still referenced, with what holds it."""
    found: dict[int, dict] = {}
    for holder in gc.get_objects():
        for ref in gc.get_referents(holder):
            if type(ref) in (str, bytes, bytearray) and sys.getsizeof(ref) >= limit:
                entry = found.setdefault(id(ref), {"type": type(ref).__name__, "bytes": sys.getsizeof(ref), "held_by": []})
                if len(entry["held_by"]) < 4:
                    entry["held_by"].append(type(holder).__name__)
    return sorted(found.values(), key=lambda e: -e["bytes"])


def smaps() -> dict[str, int]:
    """Resident KB by mapping: anonymous memory (heap, arenas, threads' stacks) and each shared library."""
    out: Counter[str] = Counter()
    name = "anon"
    with open("/proc/self/smaps", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split()
            if not head:
                continue
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                path = head[5] if len(head) > 5 else ""
                if not path or path.startswith("["):
                    name = path or "anon"
                else:
                    lib = path.rsplit("/", 1)[-1]
                    owner = path.split("site-packages/", 1)[1].split("/", 1)[0] if "site-packages/" in path else lib
                    name = f"file: {owner}"
            elif head[0] == "Rss:":
                out[name] += int(head[1])
    merged: defaultdict[str, int] = defaultdict(int)
    for key, kb in out.items():
        merged[key] += kb
    return dict(sorted(merged.items(), key=lambda kv: -kv[1]))


def trimmed_rss_kb() -> int:
    """RSS after asking glibc to hand back the free memory it keeps (what is live, not what was freed)."""
    import ctypes

    from benchmarks.frames import rss_kb

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return 0
    return rss_kb()


def run(args: dict, child) -> dict:
    """The memory scenario taken apart: RSS at each stage; with `trace`, tracemalloc from before the imports.

    args: kind (`bare-libs` or `ours`), watch (file watching, ours), trace, project, artifact.
    `child` is ui_child (its app builders and waits).
    """
    import asyncio
    import time

    from benchmarks.frames import rss_kb

    trace, ours = bool(args.get("trace")), args["kind"] == "ours"
    meter = None
    if trace:
        tracemalloc.start(int(args.get("frames", 40)))
        meter = ImportMeter()
    out: dict = {"rss_kb": {"start": rss_kb()}}
    clock = child.FrameClock()
    if ours:
        import planner_tui.app  # noqa: F401  what the first screen needs, imported but not run
        import planner_tui.factory  # noqa: F401
        import planner_tui.screens.workbench.screen  # noqa: F401
    else:
        for name in child.LIBRARIES:
            __import__(name)
    gc.collect()
    out["rss_kb"]["imported"] = rss_kb()
    app = child._our_app(args["project"], watch=bool(args.get("watch", True))) if ours else child._bare_app("bare")
    gc.collect()
    out["rss_kb"]["app built"] = rss_kb()
    modules_before = set(sys.modules)

    async def go() -> None:
        async with app.run_test(size=child.SIZE) as pilot:
            if ours:
                screen = await child._workbench(pilot)
            await pilot.pause(0.5)
            gc.collect()
            out["rss_kb"]["screen up"] = rss_kb()
            if not ours:
                out["rss_kb"]["screen up, malloc_trim"] = trimmed_rss_kb()
            out["modules_at_screen"] = len(sys.modules)
            if ours:
                started = time.perf_counter()
                await child._open_document(screen, clock, child._prd(screen, args["artifact"]))
                out["open_s"] = time.perf_counter() - started
                await pilot.pause(0.5)
                gc.collect()
                out["rss_kb"]["artifact shown"] = rss_kb()
                out["rss_kb"]["artifact shown, malloc_trim"] = trimmed_rss_kb()
                out["held"] = held_sizes(screen)
                out["widgets"] = widget_sizes(screen)
            out["big_texts"] = big_texts()
            out["strips"] = strip_holders()
            out["smaps_kb"] = {k: v for k, v in smaps().items() if v >= 256}
            out["modules"] = len(sys.modules)
            out["modules_after_start"] = sorted(set(sys.modules) - modules_before)
            if trace:
                snapshot = tracemalloc.take_snapshot()
                meter.stop()
                allocator, caused, imported = live_by_package(snapshot)
                out["traced_total"] = sum(t.size for t in snapshot.traces)
                out["traced_imports_live"] = imported
                out["imports_by_package"] = dict(sorted(meter.by_package().items(), key=lambda kv: -kv[1]))
                out["live_by_allocator"] = dict(sorted(allocator.items(), key=lambda kv: -kv[1]))
                out["live_by_our_frame"] = dict(sorted(caused.items(), key=lambda kv: -kv[1]))
                ours_modules = {k: v for k, v in meter.own.items() if k.startswith("planner_tui")}
                out["imports_planner_tui"] = dict(sorted(ours_modules.items(), key=lambda kv: -kv[1])[:25])
                out["top_lines"] = [
                    (f"{s.traceback[-1].filename.replace(_ROOT + '/', '')}:{s.traceback[-1].lineno}", s.size)
                    for s in snapshot.filter_traces([tracemalloc.Filter(False, "<frozen importlib*")]).statistics("lineno")[:25]
                ]

    asyncio.run(go())
    return out
