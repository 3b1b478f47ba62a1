"""The workbench's panes: artifacts and documents, the discussion, and the plan."""

from planner_tui.widgets.artifact_pane import ArtifactPane
from planner_tui.widgets.artifact_tree import ArtifactTree
from planner_tui.widgets.composer import Composer
from planner_tui.widgets.discussion import DiscussionPane
from planner_tui.widgets.document import DocumentView
from planner_tui.widgets.find_bar import FindBar
from planner_tui.widgets.plan_pane import BlockerList, PlanPane, PlanPreview
from planner_tui.widgets.thread import ThreadView
from planner_tui.widgets.topic_bar import PointsChecklist, TopicBar

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
