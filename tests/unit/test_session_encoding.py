"""The incremental session encoder: byte-identical to encode_session, and snapshots that never move."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from planner_tui.core.storage.migrate import Undecodable, _current, decode_session, encode_session
from planner_tui.core.models import Citation, Entry, Session, TopicState
from planner_tui.core.storage.encoding import SessionEncoder

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=timezone.utc)


def _session(entries: int = 30) -> Session:
    topics = []
    n = 0
    for t in range(3):
        items = []
        for _ in range(entries // 3):
            entry = Entry(
                id=f"e-{n:06x}",
                kind="decision" if n % 2 else "question",
                text=f"Entry {n}: héllo \"quoted\" \\ back\x00slash \u2028 <b>",
                at=NOW + timedelta(seconds=n),
                status=None if n % 2 else "open",
                cite=Citation(path="docs/prd.md", line=n + 1, sha256="ab" * 32) if n % 5 == 0 else None,
            )
            if n % 7 == 0:
                entry.settled = ["table:photos", n]  # type: ignore[attr-defined]
            items.append(entry)
            n += 1
        topics.append(TopicState(id=f"topic-{t}", entries=items))
    topics.append(TopicState(id="empty"))
    topics[1].colour = "teal"  # type: ignore[attr-defined]
    session = Session(epic="009_x", role="03-backend", created=NOW, updated=NOW, revision=3, topics=topics)
    session.imported = {"text": "# Plan\n", "sections": [{"heading": "Notes", "keep": True}]}  # type: ignore[attr-defined]
    return session


def test_bytes_equal_pydantics_before_and_after_every_kind_of_change():
    session, encoder = _session(), SessionEncoder()
    assert encoder.encode(session) == encode_session(session)
    changes = [
        lambda s: setattr(s.topics[0].entries[1], "text", "edited in place"),
        lambda s: setattr(s.topics[0].entries[0].cite, "line", 99),  # a citation changed in place
        lambda s: s.topics[0].entries[0].settled.append("queue:media"),  # an extra list changed in place
        lambda s: setattr(s.topics[2].entries[2], "settled", ["env:APP_KEY"]),  # a first extra, set in place
        lambda s: s.topics[1].entries.append(Entry(id="new", kind="note", text="appended", at=NOW)),
        lambda s: s.topics[2].entries.insert(1, Entry(id="mid", kind="risk", text="inserted", at=NOW)),
        lambda s: s.topics[2].entries.pop(0),
        lambda s: s.topics.insert(1, TopicState(id="inserted-topic", confirmed=True, confirmed_at=NOW)),
        lambda s: setattr(s.topics[0], "confirmed", True),
        lambda s: setattr(s, "plan_written", "f" * 64),
        lambda s: s.imported["sections"].append({"heading": "Risks"}),
        lambda s: setattr(s, "cursor_topic", "topic-2"),
    ]
    for change in changes:
        change(session)
        session.revision += 1
        assert encoder.encode(session) == encode_session(session)


def test_a_session_read_back_from_the_bytes_encodes_the_same():
    session, encoder = _session(60), SessionEncoder()
    data = encoder.encode(session)
    again = Session.model_validate_json(data)
    assert again == session and SessionEncoder().encode(again) == data


def test_snapshot_is_equal_independent_and_shares_what_did_not_change():
    session, encoder = _session(), SessionEncoder()
    first = encoder.snapshot(session)
    assert first == session and first is not session
    session.topics[0].entries[1].text = "changed after the snapshot"
    session.topics[0].entries[0].cite.line = 1234
    session.topics[1].entries.append(Entry(id="later", kind="note", text="later", at=NOW))
    assert first.topics[0].entries[1].text != "changed after the snapshot"
    assert first.topics[0].entries[0].cite.line != 1234
    assert all(e.id != "later" for e in first.topics[1].entries)
    second = encoder.snapshot(session)
    assert second == session
    assert second.topics[2].entries[0] is first.topics[2].entries[0]  # untouched: shared, not copied
    assert second.topics[0].entries[1] is not first.topics[0].entries[1]


ops = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40), st.text(max_size=12)), max_size=25)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_any_sequence_of_changes_encodes_like_pydantic(steps):
    session, encoder = _session(12), SessionEncoder()
    encoder.encode(session)
    for op, index, text in steps:
        topic = session.topics[index % len(session.topics)]
        entries = topic.entries
        if op == 0:
            entries.append(Entry(id=f"x{len(entries)}{text[:3]}", kind="note", text=text or ".", at=NOW))
        elif op == 1 and entries:
            entries[index % len(entries)].text = text or "."
        elif op == 2 and entries:
            entries.pop(index % len(entries))
        elif op == 3 and entries:
            entries[index % len(entries)].status = "dropped"
        elif op == 4:
            topic.confirmed = not topic.confirmed
        elif op == 5 and entries:
            entries.reverse()
        elif op == 6:
            session.snapshot_note = text  # type: ignore[attr-defined]
        if index % 3 == 0:
            encoder.snapshot(session)
        assert encoder.encode(session) == encode_session(session)


def test_a_file_of_this_schema_reads_the_same_by_the_quick_and_the_careful_road():
    raw = encode_session(_session())
    with_bom = b"\xef\xbb\xbf" + raw  # only the careful reading takes a BOM
    assert _current(raw) is not None and _current(with_bom) is None
    quick, careful = decode_session(raw, epic="009_x", role="03-backend"), decode_session(with_bom, epic="009_x", role="03-backend")
    assert quick.session == careful.session and quick.version == careful.version == 1
    assert encode_session(quick.session) == encode_session(careful.session) == raw


@pytest.mark.parametrize("version", [b"true", b'"1"', b"1.0"])
def test_a_schema_version_that_is_not_a_whole_number_is_still_refused(version):
    raw = encode_session(_session()).replace(b'"schema_version": 1,', b'"schema_version": ' + version + b",")
    assert raw != encode_session(_session())
    with pytest.raises(Undecodable, match="whole number"):
        decode_session(raw, epic="009_x", role="03-backend")
