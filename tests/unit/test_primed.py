"""Files decoded ahead by the warm process: taken once, only for the very bytes decoded, never stale."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest

from planner_tui.core.engine import Planner
from planner_tui.core.plan import rulecheck
from planner_tui.core.storage import files, memo, primed
from planner_tui.core.text import contain
from planner_tui.demo import DEMO_EPIC, make_demo


@pytest.fixture(autouse=True)
def nothing_held(monkeypatch):
    monkeypatch.setattr(primed, "_held", OrderedDict())
    monkeypatch.setattr(primed, "_reads", {})
    monkeypatch.setattr(primed, "_readers", dict(primed._readers))  # a reader a test names goes with it
    monkeypatch.setattr(primed, "_ahead", {kind: list(works) for kind, works in primed._ahead.items()})


def _json(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_held_result_is_taken_once_for_the_same_bytes(tmp_path):
    path = _json(tmp_path, "a.json", '{"items": [1, 2]}')
    assert primed.hold("json", str(path))
    first = files.read_json(path)
    first["items"].append(3)  # the taker's own copy: what it changes reaches no later reader
    assert files.read_json(path) == {"items": [1, 2]}
    assert primed.held() == {"files": 0, "bytes": 0}


def test_bytes_changed_since_holding_are_decoded_again(tmp_path):
    path = _json(tmp_path, "a.json", '{"n": 1}')
    primed.hold("json", str(path))
    path.write_text('{"n": 2}', encoding="utf-8")  # same size, written within the same second
    assert files.read_json(path) == {"n": 2}


def test_every_file_decoded_is_listed_once_by_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _json(tmp_path, "a.json", "[]")
    _json(tmp_path, "b.json", "{}")
    for name in ("a.json", "b.json", "a.json"):
        files.read_json(Path(name))
    assert primed.reads() == [("json", str(tmp_path / "a.json")), ("json", str(tmp_path / "b.json"))]


def test_what_cannot_or_need_not_be_held_is_not(tmp_path, monkeypatch):
    bad = _json(tmp_path, "bad.json", "{not json")
    assert not primed.hold("json", str(bad))  # its reader leaves it to the careful one (None)
    assert not primed.hold("json", str(tmp_path / "missing.json"))
    assert not primed.hold("json", "relative.json")
    assert not primed.hold("no such kind", str(bad))
    monkeypatch.setattr(primed, "HELD_BYTES", 40)
    assert not primed.hold("json", str(_json(tmp_path, "big.json", "[" + "1," * 10 + "1]")))  # 23 bytes > 20
    assert primed.held() == {"files": 0, "bytes": 0}


def test_the_least_recently_held_go_first_beyond_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(primed, "HELD_BYTES", 64)  # a file of at most half of it: 32 bytes
    paths = [_json(tmp_path, f"{n}.json", "[1, 2, 3, 4, 5]") for n in range(5)]  # 15 bytes each
    for path in paths:
        assert primed.hold("json", str(path))
    assert primed.held() == {"files": 4, "bytes": 60}
    assert primed.hold("json", str(paths[1]))  # held again: now the newest
    assert primed.hold("json", str(paths[0]))
    assert [Path(p).name for _, p in primed._held] == ["3.json", "4.json", "1.json", "0.json"]


def test_a_session_held_ahead_is_the_one_the_store_opens(tmp_path):
    project = make_demo(tmp_path / "demo")
    planner = Planner.open(project, epic=DEMO_EPIC)
    planner.add(1, "decision", "Annotations keep their author id")
    path = planner.store.path
    assert primed.hold("session", str(path))
    held_raw, held = primed._held[("session", str(path))]
    opened = Planner.open(project, epic=DEMO_EPIC)
    assert opened.session is held
    assert opened.store.raw is held_raw  # the unchanged file is read as the held bytes, not copied
    assert ("session", str(path)) in primed.reads()
    # An older schema is never held: migrating it needs the careful reader.
    old = tmp_path / "old.json"
    old.write_bytes(path.read_bytes().replace(b'"schema_version": ', b'"schema_version": 0, "was": ', 1))
    assert not primed.hold("session", str(old))


def test_a_file_held_again_unchanged_is_not_decoded_or_worked_on_again(tmp_path, monkeypatch):
    path = _json(tmp_path, "a.json", '{"n": 1}')
    calls, ahead = [], []
    primed.reader("counted", lambda raw: calls.append(raw) or {"raw": raw})
    primed.ahead("counted", ahead.append)
    assert primed.hold("counted", str(path)) and primed.hold("counted", str(path))
    assert len(calls) == 1 and ahead == [{"raw": b'{"n": 1}'}]
    path.write_text('{"n": 2}', encoding="utf-8")
    assert primed.hold("counted", str(path))
    assert calls == [b'{"n": 1}', b'{"n": 2}'] and len(ahead) == 2
    assert primed.decoded("counted", path, b'{"n": 2}') == {"raw": b'{"n": 2}'}


def test_the_memo_keys_of_a_held_sessions_texts_are_worked_out_ahead(tmp_path, monkeypatch):
    project = make_demo(tmp_path / "demo")
    planner = Planner.open(project, epic=DEMO_EPIC)
    text = "Thumbnails are made on the `media` queue."
    planner.add(1, "decision", text)
    monkeypatch.setattr(memo, "_DIGESTS", {})
    assert primed.hold("session", str(planner.store.path))
    asked: list[str] = []
    monkeypatch.setattr(memo, "digest", lambda t: asked.append(t) or "0" * 32)
    with memo.remembering(project):
        rulecheck.breaks_each([text, "A text no session holds."])
    assert asked == ["A text no session holds."]


def test_the_plan_blocks_of_a_held_sessions_entries_are_made_ahead(tmp_path):
    project = make_demo(tmp_path / "demo")
    planner = Planner.open(project, epic=DEMO_EPIC)
    for text in ("Thumbnails are made on the `media` queue.", "Index photo_id."):
        planner.add(1, "decision", text)
    contain.bullet.cache_clear()
    assert primed.hold("session", str(planner.store.path))
    made = contain.bullet.cache_info().misses
    assert made >= 2
    Planner.open(project, epic=DEMO_EPIC).render()
    assert contain.bullet.cache_info().misses == made  # every bullet the render asked for was there


def test_a_file_that_still_holds_the_held_bytes_is_read_as_those_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(primed, "_PIECE", 7)  # many pieces, the last one short
    path = _json(tmp_path, "a.json", '{"text": "' + "x" * 100 + '"}')
    assert primed.hold("json", str(path))
    held = primed._held[("json", str(path))][0]
    with open(path, "rb") as fh:
        assert primed.read("json", path, fh) is held  # no copy of what is held


@pytest.mark.parametrize("change", ["first byte", "last byte", "longer", "shorter"])
def test_a_file_changed_since_holding_is_read_afresh(tmp_path, monkeypatch, change):
    monkeypatch.setattr(primed, "_PIECE", 7)
    before = '{"text": "' + "x" * 100 + '"}'
    path = _json(tmp_path, "a.json", before)
    assert primed.hold("json", str(path))
    after = {"first byte": " " + before[1:], "last byte": before[:-1] + " ", "longer": before + " ", "shorter": before[:-1]}[change]
    path.write_text(after, encoding="utf-8")
    with open(path, "rb") as fh:
        got = primed.read("json", path, fh)
    assert got == after.encode() and got is not primed._held[("json", str(path))][0]
