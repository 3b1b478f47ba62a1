"""The content memo on real files: `status` and the checks give the same results with, without and despite the cache."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.plan import checklist, dependencies, earlier_plans, rulecheck
from planner_tui.core.plan.rulecheck import Finding
from planner_tui.core.storage import files, memo
from planner_tui.core.text import contain, markdown
from planner_tui.demo import make_demo

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)
EPIC = "009_photo-annotations"
CACHE = Path(".planner-tui/cache")
# Texts that break each rule, bring in packages, name what an earlier plan spells differently,
# span lines, and land in a prose section; the rest of a status is the demo's own.
TEXTS = [
    (1, "decision", "This will take 3 days to implement, about two sprints of work"),
    (1, "decision", "Store the body in `photo_annotation` table, keyed by photo_id"),
    (2, "decision", "Next steps: wire the endpoint\n\n```php\n$x = 1;\n```"),
    (3, "decision", "Use STRIPE_SECRET=sk_live_abcdefghijklmnopqrstuvwx for payments"),
    (4, "decision", "composer require spatie/laravel-medialibrary for the renders"),
    (5, "decision", "RenderAnnotatedPhoto runs on the `render` queue"),
    (6, "decision", "Add a `caption` column to `note_photos`; bump note_photos.annotations_revision on save"),
    (10, "decision", "Upload limit read from PHOTO_MAX_UPLOAD_MB; disk from PHOTOS_DISK"),
    (2, "note", "  - a list in a note\n  > and a quote\n# not a heading"),
    (3, "risk", "Cursor pagination\tbreaks when\u00a0rows are re-sorted"),
    (4, "decision", "Plain sentence that addresses indexes and caching, nothing more"),
]


def _clear_in_process_caches() -> None:
    """So a second call reads the files instead of this process's own caches."""
    for fn in (rulecheck._breaks, earlier_plans._mentions, dependencies.package_names, markdown._closed_chunk,
               markdown.outline, contain.bullet, contain.paragraph):
        fn.cache_clear()


def _planner(project: Path) -> Planner:
    return Planner.open(project, epic=EPIC, clock=lambda: NOW)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_demo(tmp_path / "demo", now=NOW.timestamp())
    planner = _planner(root)
    for topic, kind, text in TEXTS:
        planner.add(topic, kind, text)
    note = planner.add(7, "decision", "Moved by hand under Notes: the `renders` queue")
    planner.move(note.id, "Notes")
    planner.reconfirm(planner.add(5, "decision", "ProcessUploadedPhoto on the `renderz` queue").id)
    return root


@pytest.fixture(autouse=True)
def across_processes(monkeypatch):
    """As the command line runs: `Planner.status` and `blockers` keep results under the state folder."""
    monkeypatch.setattr(memo, "_ACROSS", True)


@pytest.fixture
def every_result_written(monkeypatch):
    """Write whatever a call learnt, however little it cost (a small session is never written otherwise)."""
    monkeypatch.setattr(memo, "WORTH", 0.0)


def _status(project: Path) -> str:
    _clear_in_process_caches()
    return json.dumps(_planner(project).status(), sort_keys=True)


def _without_memo(project: Path, monkeypatch) -> str:
    with monkeypatch.context() as m:
        m.setattr(memo, "remembering", lambda root: contextlib.nullcontext())
        return _status(project)


def _memo_files(project: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((project / CACHE).glob("memo-*.json"))}


def test_status_is_the_same_without_the_cache_cold_and_warm(project, monkeypatch, every_result_written):
    plain = _without_memo(project, monkeypatch)
    assert not (project / CACHE).exists()
    data = json.loads(plain)
    kinds = {b["kind"] for b in data["blockers"]}
    assert {"rule", "question", "topic"} <= kinds  # rule breaks and contradictions are there to find
    rules = {b["rule"] for b in data["blockers"] if b["kind"] == "rule"}
    assert len(rules) >= 4
    assert _status(project) == plain  # cold: computes and writes
    files = _memo_files(project)
    assert set(files) == {f"memo-{n}.json" for n in ("rule-breaks", "package-names", "mentions", "outline-chunks", "said-words")}
    assert _status(project) == plain  # warm: read back
    assert _memo_files(project) == files  # nothing new to learn, nothing written again


def test_a_corrupt_cache_changes_no_result(project, monkeypatch, every_result_written):
    plain = _without_memo(project, monkeypatch)
    _status(project)
    for path in (project / CACHE).glob("memo-*.json"):
        path.write_bytes(b"\x00{not json")
    assert _status(project) == plain
    # A file of the right shape whose results are of the wrong shape: each is computed again.
    for path in (project / CACHE).glob("memo-*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["values"] = [{"x": 1}, [["nope"]], 7, None, "s"][: max(1, len(data["values"]))]
        data["items"] = {key: (n % 7) - 1 for n, key in enumerate(data["items"])}  # -1, out of range, wrong values
        path.write_text(json.dumps(data), encoding="utf-8")
    assert _status(project) == plain
    for path in (project / CACHE).glob("memo-*.json"):
        path.write_text('{"format": 1, "version": 3, "items": [], "values": {}}', encoding="utf-8")
    assert _status(project) == plain


def test_a_cache_of_another_version_is_ignored_and_replaced(project, monkeypatch, every_result_written):
    plain = _without_memo(project, monkeypatch)
    _status(project)
    path = project / CACHE / "memo-rule-breaks.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    # Every text "has" a made-up finding, as another checker version might have said.
    data["values"].append([["time", "a time estimate", "made up"]])
    data["items"] = {key: len(data["values"]) - 1 for key in data["items"]}
    data["version"] = "another checker"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _status(project) == plain
    assert json.loads(path.read_text(encoding="utf-8"))["version"] != "another checker"
    # The same file for this version is trusted for the texts it names, and only for them.
    data["version"] = json.loads(path.read_text(encoding="utf-8"))["version"]
    path.write_text(json.dumps(data), encoding="utf-8")
    _clear_in_process_caches()
    with memo.remembering(project):
        assert rulecheck.find_breaks(TEXTS[-1][2]) == [Finding("time", "a time estimate", "made up")]
        assert rulecheck.find_breaks("A text no call has checked before") == []


def test_a_state_folder_that_cannot_be_written_changes_no_result(project, monkeypatch, every_result_written):
    plain = _without_memo(project, monkeypatch)
    (project / ".planner-tui" / "cache").write_text("a file where the cache folder goes", encoding="utf-8")
    assert _status(project) == plain
    assert _status(project) == plain


def test_a_read_only_cache_file_changes_no_result(project, monkeypatch, every_result_written):
    plain = _without_memo(project, monkeypatch)
    _status(project)

    def refuse(path, data, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "atomic_write", refuse)  # the one atomic write every state file goes through
    for path in (project / CACHE).glob("memo-*.json"):
        path.unlink()
    assert _status(project) == plain
    assert not list((project / CACHE).glob("memo-*.json"))


def test_a_small_session_writes_nothing(project, monkeypatch):
    plain = _without_memo(project, monkeypatch)
    assert _status(project) == plain
    assert not list((project / CACHE).glob("memo-*.json"))


def test_recall_outside_a_block_computes_and_inside_remembers(tmp_path, every_result_written):
    calls: list[str] = []

    def shout(text: str) -> tuple[str, ...]:
        calls.append(text)
        return (text.upper(),)

    space = memo.Space("test-shout", (__file__,), list, memo.strings)
    assert memo.recall(space, "a", shout) == ("A",) and calls == ["a"]
    with memo.remembering(tmp_path):
        assert memo.recall_each(space, ["a", "b", "a"], shout, shout) == [("A",), ("B",), ("A",)]
        with memo.remembering(tmp_path):  # a block inside shares the outer one
            assert memo.recall(space, "b", shout) == ("B",)
    assert calls == ["a", "a", "b"]
    with memo.remembering(tmp_path):
        assert memo.recall_each(space, ["b", "a", "c\udcff"], shout, shout) == [("B",), ("A",), ("C\udcff",)]
    assert calls == ["a", "a", "b", "c\udcff"]  # a lone surrogate is kept, escaped by the json module
    with memo.remembering(tmp_path):
        assert memo.recall(space, "c\udcff", shout) == ("C\udcff",)
    assert calls == ["a", "a", "b", "c\udcff"]


def test_texts_recalled_together_are_remembered_under_their_keys_and_computed_on_any_change(tmp_path, every_result_written):
    calls: list[list[str]] = []

    def words(texts: list[str]) -> tuple[str, ...]:
        calls.append(list(texts))
        return tuple(sorted(set(" ".join(texts).split())))

    space = memo.Space("test-words", (__file__,), list, memo.strings)
    assert memo.recall_joined(space, ["a b", "c"], words) == ("a", "b", "c") and len(calls) == 1  # outside a block: computed
    with memo.remembering(tmp_path):
        assert memo.recall_joined(space, ["a b", "c"], words) == ("a", "b", "c")
    with memo.remembering(tmp_path):  # another process's call: read back, not computed
        assert memo.recall_joined(space, iter(["a b", "c"]), words) == ("a", "b", "c")
    assert len(calls) == 2
    with memo.remembering(tmp_path):  # the same words cut otherwise, another order, one more text: each its own
        assert memo.recall_joined(space, ["a", "b c"], words) == ("a", "b", "c")
        assert memo.recall_joined(space, ["c", "a b"], words) == ("a", "b", "c")
        assert memo.recall_joined(space, ["a b", "c", ""], words) == ("a", "b", "c")
    assert calls[2:] == [["a", "b c"], ["c", "a b"], ["a b", "c", ""]]


def test_rows_decode_only_what_the_space_writes():
    decode = memo.rows(Finding, frozenset({"time"}), str, str)
    assert decode([["time", "a", "b"]]) == (Finding("time", "a", "b"),)
    for bad in ({"time": 1}, [["code", "a", "b"]], [["time", "a"]], [["time", 1, "b"]], "time", [[["time"], "a", "b"]]):
        with pytest.raises((ValueError, TypeError)):
            decode(bad)
    with pytest.raises(ValueError):
        memo.strings(["a", 1])


def test_the_fast_paths_agree_with_the_full_ones():
    """A line kept as typed, a blank entry, the words a topic says: each as the general code says."""
    for text in ("Plain", "Plain\tline", "Plain\u00a0x", "Ends with space ", "Two\nlines", "CR\rhere", "Ctl\x0bx",
                 "Ctl\x85x", "Sep\u2028x", "#x", "é", "", " lead", "x"):
        lines = contain.normalise_text(text)
        typed = contain._as_typed(text)
        if typed:
            assert contain.contain_lines(text) == [text] and contain._plain_line([text]), text
        assert bool(lines) == bool(text.strip(" \t\r\n")), text
    spec = _planner_spec()
    from planner_tui.core.models import Entry, TopicState

    state = TopicState(id=spec.id, entries=[
        Entry(id="a", kind="decision", text="Cursor PAGINATION, 25 per page", at=NOW),
        Entry(id="b", kind="question", text="Which indices?", at=NOW, status="open"),
        Entry(id="c", kind="note", text="Queues: the mail queue", at=NOW),
    ])
    words: set[str] = set()
    for entry in state.entries:
        if entry.kind != "question":
            words |= {checklist._stem(w) for w in checklist._WORDS.findall(entry.text.lower())}
    expected = [(p, bool(checklist.point_words(p)) and bool(checklist.point_words(p) & words)) for p in spec.points]
    assert checklist.addressed_points(spec, state) == expected


def _planner_spec():
    from planner_tui.core.models import TopicSpec

    return TopicSpec(id="t", number=1, title="T", text="1. T", section="Notes",
                     points=["pagination strategy", "indices", "queues and jobs", "caching"])


def test_a_file_keeps_what_the_last_call_used_and_a_few_older_results(tmp_path, every_result_written):
    space = memo.Space("test-keep", (__file__,), list, memo.strings, keep=2)
    path = tmp_path / CACHE / "memo-test-keep.json"

    def call(*texts: str) -> None:
        with memo.remembering(tmp_path):
            memo.recall_each(space, texts, lambda t: (t,), lambda t: (t,))

    def kept() -> set[str]:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {data["values"][at][0] for at in data["items"].values()}

    call("a", "b", "c", "d")
    assert kept() == {"a", "b", "c", "d"}
    call("e")
    assert kept() == {"e", "a", "b"}  # what it computed, then the two newest older ones
    call("b", "f")
    assert kept() == {"f", "b", "e", "a"}  # what it computed and used, then two older ones


def test_a_long_lived_process_keeps_its_results_in_memory_only(project, monkeypatch, every_result_written):
    # The workbench and the MCP server never call remember_across_processes: no file is read or written.
    monkeypatch.setattr(memo, "_ACROSS", False)
    first = _status(project)
    assert not (project / CACHE).exists() or not list((project / CACHE).glob("memo-*.json"))
    monkeypatch.setattr(memo, "_ACROSS", True)
    assert _status(project) == first
    assert list((project / CACHE).glob("memo-*.json"))


def _counting(seen: dict[str, int], result):
    def check(text: str):
        seen[text] = seen.get(text, 0) + 1
        return result
    return check


@pytest.mark.parametrize(
    "module, checker, result, each",
    [
        (rulecheck, "_check", (), rulecheck.breaks_each),
        (dependencies, "_package_names", (), dependencies.names_each),
        (earlier_plans, "_find_mentions", (), lambda texts: [earlier_plans.mentions(t) for t in texts]),
        (contain, "_as_typed", True, lambda texts: [contain.bullet(t) for t in texts]),
    ],
    ids=["rule breaks", "package names", "mentions", "plan bullets"],
)
def test_a_long_lived_process_checks_each_entry_of_a_large_session_once(monkeypatch, module, checker, result, each):
    # The workbench asks again for every entry after every change, in the same order: a cache
    # smaller than the session dropped each text just before it was asked for again (10,000
    # entries: every check run again, 1.6 s of blockers after each change).
    monkeypatch.setattr(memo, "_ACROSS", False)
    seen: dict[str, int] = {}
    monkeypatch.setattr(module, checker, _counting(seen, result))
    texts = [f"Entry {n}: annotations keep their author" for n in range(10_000)]
    _clear_in_process_caches()
    try:
        first = each(texts)
        assert each(texts) == first
    finally:
        _clear_in_process_caches()
    assert len(seen) == len(texts) and set(seen.values()) == {1}
