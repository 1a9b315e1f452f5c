"""A log pane built for fast-growing RocketMQ logs.

Why not Textual's `Log`: it prunes `max_lines` under a scrolled-up viewport (the text moves while
the operator reads), has no per-line colouring, filtering or re-reading of pruned lines.  This is
a Line-API `ScrollView` that renders only the visible rows and keeps:

* a bounded ring of recent lines (pruned only while following, in steps, so the cost is amortised);
* checkpoints (line index → byte offset in the file) so lines pruned from memory are re-read from
  the file when the operator scrolls to the top (`NeedOlder`; the screen does the I/O);
* while paused, new lines are held back and counted ("N new lines") instead of moving the text;
* a regex filter that keeps stack-trace continuation lines with their matching parent line;
* the layout of each source's lines (`set_format`: level colours, ERROR/WARN jumps, which lines
  continue an entry) and the zone stamps are shown in (`set_display_zone`) — both applied to the
  lines drawn or searched, never to lines as they arrive.

The widget does no I/O: lines come in through `append` / `prepend`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import tzinfo
from time import monotonic

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from rocketui.rocketmq.logs import Level, LineFormat, guess_format, smart_pattern

LEVEL_STYLES = {Level.ERROR: Style(color="red", bold=True), Level.WARN: Style(color="yellow")}
TAG_COLOURS = ("cyan", "magenta", "green", "blue", "bright_cyan", "bright_magenta", "bright_green", "bright_blue")
MATCH_STYLE = Style(bgcolor="yellow", color="black")
MARK_STYLE = Style(bgcolor="grey23")
DIM = Style(dim=True)
NOTICE_STYLE = Style(color="black", bgcolor="grey50", italic=True)
REFRESH_HZ = 10


NOTICE = "\x00"  # first character of rocketui's own lines; display_text never lets one through


@dataclass(frozen=True, slots=True)
class Line:
    """One line as seen from outside (built on demand; the ring stores plain strings, which is
    what makes a flush of thousands of lines cheap)."""

    text: str
    level: int
    tag: str = ""
    notice: bool = False


class LogView(ScrollView, can_focus=True):
    """See the module docstring."""

    class NeedOlder(Message):
        """The operator scrolled to the oldest line in memory; lines before `offset` exist."""

        def __init__(self, view: LogView, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

    def __init__(self, *, max_lines: int = 20_000, tagged: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self.tagged = tagged
        self._lines: deque[str] = deque()
        self._tags: deque[str] = deque()  # parallel to _lines in a tagged (merged) view
        self._base = 0  # absolute index of _lines[0]
        self._checkpoints: deque[tuple[int, int | None]] = deque()  # (absolute index, file offset)
        self._pending: deque[tuple[list[str], list[str] | None, int | None]] = deque()  # held while paused
        self._pending_lines = 0
        self._dropped_pending = 0
        self.following = True
        self.wrap = False
        self._pattern: re.Pattern[str] | None = None
        self._view: list[int] | None = None  # absolute indices shown while filtering
        self._in_match = False  # the last appended timestamped line matched the filter
        self._rows: list[int] = []  # wrap mode: cumulative row ends per shown line
        self._max_width = 0
        self._mark: int | None = None  # absolute index of the line a jump landed on
        self._cache: OrderedDict[tuple[int, int], Strip | list[Strip]] = OrderedDict()
        self._programmatic = False
        self._end_queued = False
        self._last_refresh = 0.0
        self._refresh_queued = False
        self._frame_style: Style | None = None
        self._asked_older: int | None = None
        self.total_received = 0
        self._default_format = guess_format("broker.log")
        self._formats: dict[str, LineFormat] = {}  # per tag ("" in a one-file view)
        self.display_zone: tzinfo | None = None  # None: stamps as written

    # ------------------------------------------------------------------ layout and zone
    def set_format(self, fmt: LineFormat, tag: str = "") -> None:
        """The layout of the lines of `tag` (of every line in a one-file view)."""
        if self._formats.get(tag) is fmt:
            return
        self._formats[tag] = fmt
        self._rebuild()

    def format_of(self, tag: str = "") -> LineFormat:
        return self._formats.get(tag) or self._default_format

    def set_display_zone(self, tz: tzinfo | None) -> None:
        """Show stamps converted to `tz` (None: as the log wrote them); only drawn lines convert."""
        self.display_zone = tz
        self._cache.clear()
        self.refresh()

    # ------------------------------------------------------------------ feeding
    @property
    def keeps_newest_only(self) -> bool:
        """Following without a filter: of a flood, only the newest `max_lines` are ever shown."""
        return self.following and self._pattern is None

    def append(
        self, texts: list[str], *, tag: str = "", tags: list[str] | None = None, offset: int | None = None
    ) -> None:
        """New lines at the end; `offset` is the byte offset of texts[0] in its file (enables
        re-reading once they are pruned); `tags` gives each line its own tag (merged view).
        Held back while paused."""
        if not texts:
            return
        self.total_received += len(texts)
        if self.following and len(texts) > self.max_lines and self._pattern is None:
            # a flood: lines older than the ring would be pruned at once, so skip building them
            # (their byte offsets are unknown, so scrollback stops at the kept ones)
            skip = len(texts) - self.max_lines
            texts = texts[skip:]
            tags = tags[skip:] if tags is not None else None
            offset = None
        self._add_batch(texts, tags if tags is not None else ([tag] * len(texts) if self.tagged else None), offset)

    def notice(self, text: str) -> None:
        """A line of rocketui's own (rotation, truncation, file missing): it breaks re-reading,
        since offsets before it belong to another file."""
        self._add_batch([f"{NOTICE}── {text} ──"], [""] if self.tagged else None, None)

    def _add_batch(self, texts: list[str], tags: list[str] | None, offset: int | None) -> None:
        if self.following:
            self._checkpoints.append((self._base + len(self._lines), offset))
            self._extend(texts, tags)
            return
        self._pending.append((texts, tags, offset))
        self._pending_lines += len(texts)
        # bounded even when paused for hours: the oldest held batches go
        while self._pending_lines > self.max_lines and len(self._pending) > 1:
            dropped = self._pending.popleft()[0]
            self._pending_lines -= len(dropped)
            self._dropped_pending += len(dropped)

    def prepend(self, texts: list[str], *, offset: int) -> None:
        """Older lines re-read from the file, starting at byte `offset`; the viewport stays on
        the same text."""
        self._asked_older = None
        if not texts:
            return
        self._lines.extendleft(reversed(texts))
        if self.tagged:
            self._tags.extendleft([""] * len(texts))
        self._base -= len(texts)
        self._checkpoints.appendleft((self._base, offset))
        before = self.virtual_size.height
        self._max_width = max(self._max_width, max(map(len, texts)))
        self._rebuild()
        self._scroll(y=self.scroll_y + (self.virtual_size.height - before))

    def _extend(self, texts: list[str], tags: list[str] | None) -> None:
        start = self._base + len(self._lines)
        if len(texts) >= self.max_lines and self.following and self._pattern is None:
            # a flood replaces the whole ring: one C-speed copy instead of pruning line by line
            self._lines = deque(texts)
            self._tags = deque(tags if tags is not None else [""] * len(texts)) if self.tagged else deque()
            self._base = start
            while len(self._checkpoints) > 1:
                self._checkpoints.popleft()
            self._rows = []
        else:
            self._lines.extend(texts)
            if self.tagged:
                self._tags.extend(tags if tags is not None else [""] * len(texts))
        self._max_width = max(self._max_width, max(map(len, texts)) + (13 if self.tagged else 0))
        if self._pattern is not None and self._view is not None:
            self._view.extend(self._matching(texts, start))
        if self.wrap:
            self._extend_rows(self._shown_indices(start))
        self._prune()
        self._update_size()
        self._throttled_refresh()
        if self.following:
            self._scroll_end()

    def _throttled_refresh(self) -> None:
        """At most REFRESH_HZ frames a second while lines pour in: a frame of a full terminal
        costs tens of ms in Textual, and an operator cannot read faster anyway."""
        now = monotonic()
        if now - self._last_refresh >= 1 / REFRESH_HZ:
            self._last_refresh = now
            self.refresh()
        elif not self._refresh_queued:
            self._refresh_queued = True
            self.set_timer(1 / REFRESH_HZ - (now - self._last_refresh), self._deferred_refresh)

    def _deferred_refresh(self) -> None:
        self._refresh_queued = False
        self._last_refresh = monotonic()
        self.refresh()

    def _prune(self) -> None:
        """Drop the oldest lines once the ring overflows by 10 %, cutting at a checkpoint so the
        new oldest line's file offset is known."""
        if len(self._lines) <= self.max_lines * 1.1 or not self.following:
            return
        target = self._base + len(self._lines) - self.max_lines
        while len(self._checkpoints) > 1 and self._checkpoints[1][0] <= target:
            self._checkpoints.popleft()
        cut = target
        if self._checkpoints and self._checkpoints[0][0] < target:
            later = self._checkpoints[1][0] if len(self._checkpoints) > 1 else None
            if later is not None and self._base + len(self._lines) - later >= self.max_lines // 2:
                self._checkpoints.popleft()  # cut at the next batch: its file offset is known
                cut = later
            else:
                self._checkpoints[0] = (cut, None)  # cut inside a batch: no offset for re-reading
        for _ in range(cut - self._base):
            self._lines.popleft()
        if self.tagged:
            for _ in range(cut - self._base):
                self._tags.popleft()
        self._base = cut  # cached strips are keyed by absolute index: still valid
        if self._view is not None:
            self._view = self._view[bisect_right(self._view, cut - 1) :]
        if self.wrap:
            self._rows = []
            self._extend_rows(self._shown_indices(self._base))

    @property
    def older_offset(self) -> int | None:
        """Byte offset of the oldest line in memory when older lines can be re-read."""
        if self._checkpoints and self._checkpoints[0][0] == self._base:
            offset = self._checkpoints[0][1]
            return offset if offset else None
        return None

    # ------------------------------------------------------------------ state the screen shows
    @property
    def pending(self) -> int:
        return self._pending_lines + self._dropped_pending

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def match_count(self) -> int | None:
        return None if self._view is None else len(self._view)

    def marked_or_last(self) -> str | None:
        """The line a jump landed on, else the last shown line (what `y` copies)."""
        if self._mark is not None and self._mark >= self._base:
            return self._line(self._mark).text
        shown = self._shown_indices(max(self._base, self._base + len(self._lines) - 1))
        return self._line(shown[-1]).text if shown else None

    def lines(self) -> list[str]:
        """The lines shown (after the filter), for tests and copying."""
        return [self._text_at(i).removeprefix(NOTICE) for i in self._shown_indices(self._base)]

    # ------------------------------------------------------------------ follow / pause
    def pause(self) -> None:
        self.following = False

    def resume(self) -> None:
        """Follow again: held lines are added, the view jumps to the end."""
        self.following = True
        self._mark = None
        if self._dropped_pending:
            self.notice(f"{self._dropped_pending} lines skipped while paused")
            self._dropped_pending = 0
        while self._pending:
            texts, tags, offset = self._pending.popleft()
            self._add_batch(texts, tags, offset)
        self._pending_lines = 0
        self._prune()
        self._cache.clear()
        self.refresh()
        self._scroll_end()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._programmatic:
            return
        if new_value < old_value and new_value < self.max_scroll_y and self.following:
            # the operator scrolled up (a clamp after the content shrank stays at the end):
            # hold new lines instead of moving the text
            self.pause()
        if new_value <= 0 and not self._pattern:
            offset = self.older_offset
            if offset is not None and self._asked_older != offset:
                self._asked_older = offset
                self.post_message(self.NeedOlder(self, offset))

    def _scroll(self, *, y: float) -> None:
        self._programmatic = True
        try:
            self.scroll_to(y=y, animate=False, immediate=True)
        finally:
            self._programmatic = False

    def _scroll_end(self) -> None:
        self._scroll(y=self.max_scroll_y)
        if not self._end_queued:  # again after layout: the size may not be known yet
            self._end_queued = True
            self.call_after_refresh(self._scroll_end_after_layout)

    def _scroll_end_after_layout(self) -> None:
        self._end_queued = False
        if self.following:
            self._scroll(y=self.max_scroll_y)

    def on_resize(self) -> None:
        self._cache.clear()
        if self.wrap:
            self._rebuild()
        if self.following:
            self.call_after_refresh(self._scroll_end)

    # ------------------------------------------------------------------ filter, jumps, wrap
    def set_filter(self, text: str) -> str | None:
        """Show only matching lines (and their continuation lines); '' clears.  Returns an error
        message for an invalid regex and keeps the previous filter."""
        if not text:
            self._pattern = None
        else:
            try:
                self._pattern = smart_pattern(text)
            except re.error as exc:
                return f"invalid regex: {exc}"
        self._rebuild()
        if self.following:
            self._scroll_end()
        return None

    def jump_level(self, *, forward: bool, min_level: int = Level.WARN) -> bool:
        """Move to the next/previous line at `min_level` or above; pauses following.  From the line
        a jump landed on, else from the lines in sight (the first searched forward from the top,
        backward from the bottom)."""
        shown = self._shown_indices(self._base)
        if not shown:
            return False
        if self._mark is not None and self._mark in shown:
            pos = shown.index(self._mark)
            order = range(pos + 1, len(shown)) if forward else range(pos - 1, -1, -1)
        elif forward:
            order = range(self._pos_at_row(int(self.scroll_y)), len(shown))
        else:
            order = range(self._pos_at_row(int(self.scroll_y) + max(self.size.height, 1) - 1), -1, -1)
        tagged = self.tagged
        for i in order:
            index = shown[i]
            fmt = self.format_of(self._tags[index - self._base]) if tagged else self.format_of()
            if fmt.level(self._text_at(index)) >= min_level:
                self.pause()
                self._mark = shown[i]
                self._cache.clear()
                self._scroll(y=max(0, self._row_of(i) - self.size.height // 3))
                self.refresh()
                return True
        return False

    def toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._rebuild()
        if self.following:
            self._scroll_end()

    def clear(self) -> None:
        self._lines.clear()
        self._tags.clear()
        self._pending.clear()
        self._pending_lines = self._dropped_pending = 0
        self._checkpoints.clear()
        self._view = [] if self._pattern else None
        self._base = 0
        self._rows = []
        self._mark = None
        self._max_width = 0
        self._cache.clear()
        self._update_size()
        self.refresh()

    # ------------------------------------------------------------------ view bookkeeping
    def _text_at(self, index: int) -> str:
        return self._lines[index - self._base]

    def _line(self, index: int) -> Line:
        """The line at an absolute index, with its level, tag and notice flag."""
        text = self._text_at(index)
        tag = self._tags[index - self._base] if self.tagged else ""
        if text.startswith(NOTICE):
            return Line(text[1:], Level.NONE, tag, notice=True)
        return Line(text, self.format_of(tag).level(text), tag)

    def _matching(self, texts: list[str] | deque[str], start: int) -> list[int]:
        assert self._pattern is not None
        search = self._pattern.search
        tags, base = self._tags, self._base
        is_header = self.format_of().is_header
        found = []
        for i, text in enumerate(texts, start):
            if self.tagged:
                is_header = self.format_of(tags[i - base]).is_header
            if text.startswith(NOTICE):
                found.append(i)
            elif search(text):
                found.append(i)
                self._in_match = is_header(text)
            elif self._in_match and not is_header(text):
                found.append(i)  # a stack frame of a matching entry
            else:
                self._in_match = False
        return found

    def _shown_indices(self, start: int) -> list[int]:
        if self._view is None:
            return list(range(max(start, self._base), self._base + len(self._lines)))
        return self._view[bisect_right(self._view, start - 1) :]

    def _shown_count(self) -> int:
        return len(self._lines) if self._view is None else len(self._view)

    def _rebuild(self) -> None:
        self._in_match = False
        self._view = None if self._pattern is None else self._matching(self._lines, self._base)
        self._rows = []
        if self.wrap:
            self._extend_rows(self._shown_indices(self._base))
        self._cache.clear()
        self._update_size()
        self.refresh()

    def _width(self) -> int:
        return max(self.scrollable_content_region.width, 10)

    def _extend_rows(self, indices: list[int]) -> None:
        total = self._rows[-1] if self._rows else 0
        width = self._width()
        extra = 13 if self.tagged else 0
        lines, base = self._lines, self._base
        for i in indices:
            total += max(1, -(-(len(lines[i - base]) + extra) // width))
            self._rows.append(total)

    def _row_of(self, shown_pos: int) -> int:
        if not self.wrap:
            return shown_pos
        return self._rows[shown_pos - 1] if shown_pos else 0

    def _pos_at_row(self, row: int) -> int:
        """Position among the shown lines of the line drawn at virtual `row`."""
        pos = bisect_right(self._rows, row) if self.wrap else row
        return min(max(pos, 0), max(self._shown_count() - 1, 0))

    def _update_size(self) -> None:
        height = (self._rows[-1] if self._rows else 0) if self.wrap else self._shown_count()
        width = self._width() if self.wrap else self._max_width + 1
        self.virtual_size = Size(width, height)

    # ------------------------------------------------------------------ rendering
    def _segments(self, index: int, base: Style) -> list[Segment]:
        """The line's segments with `base` under every style.  Built directly rather than through
        a Rich Text and its render (which measures and divides the text again): this is what a
        frame of fast-pouring lines spends its time on."""
        raw = self._text_at(index)
        tag = self._tags[index - self._base] if self.tagged else ""
        segments: list[Segment] = []
        if self.tagged and tag:
            colour = TAG_COLOURS[sum(map(ord, tag)) % len(TAG_COLOURS)]  # stable across runs, unlike hash()
            segments += [Segment(f"{tag:<10} ", base + Style(color=colour, bold=True)), Segment("│ ", base)]
        if raw.startswith(NOTICE):
            segments.append(Segment(raw[1:], base + NOTICE_STYLE))
            return segments
        shown, level, stamp = self.format_of(tag).view(raw, self.display_zone)
        line_style = base + LEVEL_STYLES[level] if level in LEVEL_STYLES else base
        spans: list[tuple[int, int, Style]] = []
        if stamp is not None:
            spans.append((stamp[0], stamp[1], DIM))
        if self._pattern is not None:
            spans += [(m.start(), m.end(), MATCH_STYLE) for m in self._pattern.finditer(shown) if m.end() > m.start()]
        if not spans:
            segments.append(Segment(shown, line_style))
            return segments
        cuts = sorted({0, len(shown), *(p for start, end, _ in spans for p in (start, end))})
        for a, b in zip(cuts, cuts[1:], strict=False):
            if a >= b:
                continue
            style = line_style
            for start, end, extra in spans:  # later spans win, as Rich's stylize does
                if start <= a and b <= end:
                    style = style + extra
            segments.append(Segment(shown[a:b], style))
        return segments

    def _strip(self, index: int) -> Strip | list[Strip]:
        key = (index, self._width() if self.wrap else 0)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        base = self._frame_style if self._frame_style is not None else self.rich_style
        if index == self._mark:
            base = MARK_STYLE + base  # under the line's own colours, as apply_style would put it
        strip = Strip(self._segments(index, base))
        result: Strip | list[Strip] = strip
        if self.wrap:
            width = self._width()
            cuts = list(range(width, strip.cell_length, width)) + [strip.cell_length]
            result = list(strip.divide(cuts)) if strip.cell_length > width else [strip]
        self._cache[key] = result
        if len(self._cache) > 2000:
            self._cache.popitem(last=False)
        return result

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        # rich_style walks the ancestors' styles: once per frame, not once per line
        self._frame_style = self.rich_style
        if self.following and self.scroll_y < self.max_scroll_y and not self._end_queued:
            # the viewport changed under us (a scrollbar appeared, a relayout): back to the end
            self._end_queued = True
            self.call_after_refresh(self._scroll_end_after_layout)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        style = self._frame_style if self._frame_style is not None else self.rich_style
        shown_total = self._shown_count()
        if self.wrap:
            pos = bisect_right(self._rows, row)
            if pos >= shown_total:
                return Strip.blank(width, style)
            index = self._nth_shown(pos)
            strips = self._strip(index)
            assert isinstance(strips, list)
            sub = row - (self._rows[pos - 1] if pos else 0)
            strip = strips[sub] if sub < len(strips) else Strip.blank(width, style)
            return strip.extend_cell_length(width, style).crop(0, width)
        if row >= shown_total:
            return Strip.blank(width, style)
        one = self._strip(self._nth_shown(row))
        assert isinstance(one, Strip)
        return one.crop_extend(scroll_x, scroll_x + width, style)

    def _nth_shown(self, pos: int) -> int:
        return self._base + pos if self._view is None else self._view[pos]
