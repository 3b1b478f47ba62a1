"""A read-only TextArea that opens megabytes at once: the document is built off the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable, Sequence

from textual.document._document import Document
from textual.document._document_navigator import DocumentNavigator
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import TextArea

__all__ = ["FastTextArea", "PreparedText", "prepare_text"]

TAB_WIDTH = 4


class _ReadOnlyDocument(Document):
    """A Document whose `text` is joined once (TextArea asks for it on every drawn row)."""

    _joined: str | None = None

    @property
    def text(self) -> str:
        if self._joined is None:
            self._joined = super().text
        return self._joined

    def replace_range(self, start, end, text):  # type: ignore[no-untyped-def]
        self._joined = None
        return super().replace_range(start, end, text)


class _Rows(Sequence):
    """An index computed on demand: row n of an unwrapped document is line n (no memory per line)."""

    def __init__(self, count: int, item: Callable[[int], object]) -> None:
        self._count, self._item = count, item

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, slice):
            return [self._item(n) for n in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._item(index)


class _Same(_Rows):
    """The same value for every line (no wrap offsets, no tabs)."""

    def __init__(self, count: int, value: object) -> None:
        super().__init__(count, lambda _n: value)


class _UnwrappedDocument(WrappedDocument):
    """A WrappedDocument for text shown without soft wrap, built in O(lines) list operations.

    Textual's own one measures every line's tabs in Python and sums every line on each drawn
    row (`height`); for 40,000 lines that is half a second to open and a second per frame.
    """

    def __init__(self, document: Document, tab_width: int = TAB_WIDTH) -> None:  # noqa: D107
        self._height = 0
        super().__init__(document, 0, tab_width)

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        if tab_width:
            self._tab_width = tab_width
        lines = self.document.lines
        if width or not isinstance(lines, list) or any("\t" in line for line in lines):
            super().wrap(width, tab_width)
        else:
            # Built by C loops (no Python-level loop, no 40,000 fresh lists for the collector):
            # nothing wraps, so every line is one row at its own index. The document is never
            # edited, so the shared empty tuples are never appended to.
            count = len(lines)
            self._width = 0
            self._wrap_offsets = _Same(count, ())  # type: ignore[assignment]
            self._tab_width_cache = _Same(count, ())  # type: ignore[assignment]
            self._offset_to_line_info = _Rows(count, lambda n: (n, 0))  # type: ignore[assignment]
            self._line_index_to_offsets = _Rows(count, lambda n: (n,))  # type: ignore[assignment]
        self._height = len(self._offset_to_line_info)

    def wrap_range(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().wrap_range(*args, **kwargs)
        self._height = len(self._offset_to_line_info)

    @property
    def height(self) -> int:
        return self._height


@dataclass
class PreparedText:
    """A document ready to be shown by a FastTextArea (built in a worker thread)."""

    document: Document
    wrapped: _UnwrappedDocument
    navigator: DocumentNavigator
    size: Size
    """Widest line (cells) and line count."""


def prepare_text(text: str) -> PreparedText:
    """Split, index and measure a text for an unwrapped FastTextArea; safe to call off the UI thread."""
    document = _ReadOnlyDocument(text)
    joined = document.text  # joined here, in the worker, not on the first drawn row
    if joined == text:
        document._joined = text  # one copy of a big text, not two
    wrapped = _UnwrappedDocument(document, TAB_WIDTH)
    if text.isascii() and "\t" not in text:  # one cell per character: the longest line is the width
        size = Size(max(map(len, document.lines), default=0), document.line_count)
    else:
        size = document.get_size(TAB_WIDTH)
    return PreparedText(document, wrapped, DocumentNavigator(wrapped), size)


class FastTextArea(TextArea):
    """A TextArea that takes a document prepared in a worker (`show_prepared`) and draws any size fast."""

    def _set_document(self, text: str, language: str | None) -> None:
        super()._set_document(text, language)
        if not isinstance(self.wrapped_document, _UnwrappedDocument) and not language:
            # Keep `height` O(1) for text loaded the ordinary way too.
            self.wrapped_document = _UnwrappedDocument(self.document, self.indent_width)
            self.navigator = DocumentNavigator(self.wrapped_document)
            self._rewrap_and_refresh_virtual_size()

    def show_prepared(self, prepared: PreparedText) -> None:
        """Show a prepared document without soft wrap; costs the same for 2 MB as for 2 KB."""
        self.history.clear()
        self._highlight_query = None
        self.set_reactive(TextArea.soft_wrap, False)
        self.document = prepared.document
        self.wrapped_document = prepared.wrapped
        self.navigator = prepared.navigator
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._line_cache.clear()
        width, height = prepared.size
        # +1 width: room for the cursor at the end of the longest line, as TextArea does.
        size = Size(width + self.gutter_width + 1, height)
        # Set without the reactive's full-screen layout: only the scrollbars depend on it.
        bars = (self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        self.set_reactive(Widget.virtual_size, size)
        self._scroll_update(size)
        if (self.show_vertical_scrollbar, self.show_horizontal_scrollbar) != bars:
            self.refresh(layout=True)
        self.refresh()
        self.post_message(self.Changed(self).set_sender(self))
