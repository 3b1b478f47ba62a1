"""The workbench's panes: artifacts and documents, the discussion, and the plan."""

from planner_tui.widgets.artifacts.pane import ArtifactPane
from planner_tui.widgets.artifacts.tree import ArtifactTree
from planner_tui.widgets.discussion.composer import Composer
from planner_tui.widgets.discussion.pane import DiscussionPane
from planner_tui.widgets.artifacts.document import DocumentView
from planner_tui.widgets.artifacts.find_bar import FindBar
from planner_tui.widgets.plan.blockers import BlockerList
from planner_tui.widgets.plan.pane import PlanPane, PlanPreview
from planner_tui.widgets.discussion.thread import ThreadView
from planner_tui.widgets.discussion.topic_bar import PointsChecklist, TopicBar

__all__ = [
    "ArtifactPane",
    "ArtifactTree",
    "BlockerList",
    "Composer",
    "DiscussionPane",
    "DocumentView",
    "FindBar",
    "PlanPane",
    "PlanPreview",
    "PointsChecklist",
    "ThreadView",
    "TopicBar",
]
