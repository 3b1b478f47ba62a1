"""The thread appends new entries instead of rebuilding every line, and still redraws changed ones."""

from __future__ import annotations

import asyncio

from workbench_kit import SIZE

TOPIC = "domain-data-model"


def test_a_new_entry_is_appended_and_a_changed_one_redrawn(drive):
    agent = drive.planner()
    for n in range(30):
        agent.add(TOPIC, "note", f"Note {n} about the annotation shapes")
    question = agent.add(TOPIC, "question", "Are shapes versioned?")

    async def scenario():
        async with drive.app().run_test(size=SIZE) as pilot:
            screen = await drive.workbench(pilot)
            thread = screen.thread
            before = list(thread.options)
            assert len(before) == 31

            await drive.write(pilot, "Shapes are stored as JSON in the annotation row.")
            after = list(thread.options)
            assert len(after) == 32
            # The 31 lines already shown are the same objects: appended, not rebuilt.
            assert all(a is b for a, b in zip(before, after))
            assert "Shapes are stored as JSON" in str(after[-1].prompt)
            assert "#1 OPEN" in str(after[30].prompt)

            # Answering changes the question's line: that one is drawn again, answered.
            await drive.write(pilot, "#1 Yes, every change keeps the previous shape.")
            answered = list(thread.options)
            assert len(answered) == 33
            line = str(thread.get_option(question.id).prompt)
            assert "#1 ✓" in line and "OPEN" not in line
            assert "→ #1" in str(answered[-1].prompt)

    asyncio.run(scenario())
