"""The plan: place the entries, render the scaffold, decide readiness, check the rules, compare with earlier roles' plans,
revise a committed plan, diff plans, the decision log and the topic checklist.

May import: `core.models`, `core.errors`, `core.text`, `core.pack`, `core.epic`, `core.discussion`, and
`core.storage` for the name of the project's state folder (its templates live there). Never git.
"""
