"""The log view: one node's log files (side list) or several nodes' main logs merged by time.

Follow workers read through the log queries (never a backend) and only queue batches; one 50 ms
timer drains the queue into the `LogView` with a single append per source, so a flood of lines
costs one render per frame instead of one per line (the design measured in tui-anchors §C).

Stamps are shown in the host's zone by default — the journal's clock — and as the log wrote them
on `z`; the header says which.  Each file's line layout comes from the node's logback XML.

File names, paths, layout origins and host errors come from the host: the header, the status line,
notices and toasts show them inert (control characters visible) and never as markup.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from rocketui.model.cluster import Node
from rocketui.rocketmq.log_entries import merge_by_time
from rocketui.rocketmq.log_format import LineFormat, host_zone, offset_label
from rocketui.rocketmq.logs import Level, LogFile
from rocketui.screens.bindings import bindings
from rocketui.text import human_bytes, inert
from rocketui.usecases.logs import BackendError, FileStat, LineBatch, LogQueries, Tail
from rocketui.widgets.log_view import LogView

FLUSH_SECONDS = 0.05
SCROLLBACK_LINES = 500
SIZES_SECONDS = 2.0  # how often the side list's file sizes are refreshed
RETRY_MAX_SECONDS = 10.0  # longest wait between attempts while a host cannot be reached


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _file_prompt(log: LogFile, st: FileStat | None) -> Text:
    """A side-list entry: file names come from a host, so never markup."""
    return Text.assemble(log.name, "  ", (human_bytes(st.size) if st else "not yet", "dim"))


@dataclass
class _Queued:
    tag: str
    batch: LineBatch


class LogsScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*bindings("logs")]
    KEYMAP_SCOPE = "logs"

    def __init__(
        self,
        logs: LogQueries,
        nodes: list[Node],
        *,
        merged: bool = False,
        max_lines: int = 20_000,
        initial_lines: int = 500,
    ) -> None:
        super().__init__()
        self.logs = logs
        self.nodes = nodes
        self.merged = merged or len(nodes) > 1
        self.max_lines = max_lines
        self.initial_lines = initial_lines
        self.current: LogFile | None = None
        self._files: list[LogFile] = []
        self._queue: deque[_Queued] = deque()
        self._queued_lines = 0
        self._flush_timer: Timer | None = None
        self._state = "opening"
        # kept, not queried: timers and workers may still run while the screen is torn down
        self._view = LogView(max_lines=self.max_lines, tagged=self.merged, id="log-view")
        self._status = Static("", id="log-status", markup=False)
        self._status_text = ""
        self._sources: dict[str, tuple[Node, LogFile]] = {}  # merged view: tag → its node's main log
        self.host_times = True  # stamps in the host's zone (the journal's clock); False: as written
        # The end of the main log is asked for now, while Textual composes the screen: its one
        # backend call (the stat and the last block) then usually ends before on_mount, which
        # shows the lines before the first paint, instead of waiting for a layout step to end
        # (bench/log_tail.py).
        self._early: asyncio.Task[tuple[LogFile, Tail] | None] | None = None
        if not self.merged:
            try:
                self._early = asyncio.get_running_loop().create_task(self._read_main_end())
            except RuntimeError:  # built outside the app's loop: on_mount asks instead
                self._early = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="logs-body"):
            yield OptionList(id="log-files")
            with Vertical(id="logs-main"):
                yield self._view
                yield Input(placeholder="filter (regex; Enter keeps it, Esc clears)", id="log-filter")
                yield self._status
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#log-filter", Input).display = False
        self.query_one(LogView).focus()
        self._flush_timer = self.set_interval(FLUSH_SECONDS, self._flush)
        names = ", ".join(n.name for n in self.nodes)
        self.title = f"logs · {names}" if not self.merged else "merged logs"
        self.view.set_display_zone(host_zone() if self.host_times else None)
        self._update_header()
        if self.merged:
            files = self.query_one("#log-files", OptionList)
            files.add_options([Option(n.name, id=n.name) for n in self.nodes])
            files.border_title = "nodes"
            self._follow_merged()
        else:
            early = self._early
            ready = early.result() if early is not None and early.done() and not early.cancelled() else None
            if ready is not None:
                self.open_file(*ready)
            self._load_files()
            self.set_interval(SIZES_SECONDS, self._refresh_sizes)

    def on_unmount(self) -> None:
        if self._early is not None:
            self._early.cancel()

    async def _read_main_end(self) -> tuple[LogFile, Tail] | None:
        """The main log by the stock layout and its last lines; None when either cannot be read
        now (the follow worker then says why, and asks again)."""
        try:
            return await self.logs.quick_end(self.nodes[0], self.initial_lines)
        except (BackendError, OSError):
            return None

    @property
    def view(self) -> LogView:
        return self._view

    # ------------------------------------------------------------------ header: where and which clock
    def zone_label(self) -> str:
        """Which clock the stamps are shown in (the header says it, with the key that switches)."""
        if self.host_times:
            return f"host time {offset_label(host_zone())} (z: as written)"
        formats: list[LineFormat] = []
        if self.merged:
            formats = [log.format for _, log in self._sources.values()]
        elif self.current is not None:
            formats = [self.view.format_of()]
        labels = sorted({f.zone_label for f in formats})
        return f"log time {', '.join(labels) if labels else 'as written'} (z: host time)"

    def _update_header(self) -> None:
        if self.merged:
            where = ", ".join(n.name for n in self.nodes)
        else:
            where = self.current.path if self.current is not None else ""
        self.sub_title = inert(f"{self.zone_label()} · {where}" if where else self.zone_label())

    # ------------------------------------------------------------------ one node
    @work(group="files", exclusive=True, exit_on_error=False)
    async def _load_files(self, keep: str | None = None) -> None:
        node = self.nodes[0]
        quick = self.current if keep is None else None
        if keep is None and quick is None:
            # the end of the main log first; the side list (which looks at the JVM) after
            early = await self._early if self._early is not None else await self._read_main_end()
            if early is not None:
                quick = early[0]
                self.open_file(*early)
        delay = 1.0
        while True:  # a host that cannot be reached now (an SSH outage) is asked again
            try:
                listed = await self.logs.files(node)
                break
            except (BackendError, OSError) as exc:
                self._set_state(f"cannot list the logs of {node.name}: {exc}; trying again in {delay:.0f} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
        if self.current is None or self._state.startswith("cannot"):
            self._set_state("opening")
        self._files = [LogFile(f.name, f.path, await self.logs.resolve_zone(node, f.format)) for f, _ in listed]
        box = self.query_one("#log-files", OptionList)
        box.clear_options()
        box.border_title = f"{node.name} files"
        for f, (_, st) in zip(self._files, listed, strict=True):
            box.add_option(Option(_file_prompt(f, st), id=f.path))
        if keep is None:
            keep = self.logs.main_of(listed)[0].path
        for i, f in enumerate(self._files):
            if f.path == keep:
                box.highlighted = i
                # switch only when the JVM's own settings put the main log elsewhere
                if self.current is None or (self.current is quick and f.path != quick.path):
                    self.open_file(f)
                elif self.current.path == f.path:  # same file, now with the layout of its XML
                    self.current = f
                    self.view.set_format(f.format)
                    self._update_header()

    @work(group="sizes", exclusive=True, exit_on_error=False)
    async def _refresh_sizes(self) -> None:
        """The side list's sizes while the view is open (files grow, roll over, appear)."""
        files = list(self._files)
        if not files:
            return
        try:
            stats = await self.logs.stats(self.nodes[0], files)
        except (BackendError, OSError):
            return  # the follower reports the outage
        box = self.query_one("#log-files", OptionList)
        if [o.id for o in box.options] != [f.path for f in files]:
            return  # the list was reloaded meanwhile
        for i, (f, st) in enumerate(zip(files, stats, strict=True)):
            prompt = _file_prompt(f, st)
            if str(box.get_option_at_index(i).prompt) != str(prompt):
                box.replace_option_prompt_at_index(i, prompt)

    def open_file(self, log: LogFile, shown: Tail | None = None) -> None:
        """Show `log` from its end (`shown`: its last lines, already read) and follow it."""
        self.current = log
        self.view.set_format(log.format)
        self._update_header()
        self.view.clear()
        self._queue.clear()
        self._queued_lines = 0
        if shown is not None:
            self._show_end(shown)
        self._follow_one(log, shown.end if shown is not None else None)

    def _show_end(self, shown: Tail) -> None:
        self._queue.append(_Queued("", LineBatch(shown.lines, start=shown.start, offset=shown.end)))
        self._set_state("following")
        self._flush()  # the end of the file at once, not at the next tick

    @on(OptionList.OptionSelected, "#log-files")
    def _file_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.merged:
            return
        for f in self._files:
            if f.path == event.option.id:
                self.open_file(f)
                self.view.focus()

    @work(group="follow", exclusive=True, exit_on_error=False)
    async def _follow_one(self, log: LogFile, start: int | None = None) -> None:
        """Follow `log` from `start`; from its last lines when the caller has not shown them."""
        node = self.nodes[0]
        delay = 1.0
        while start is None:
            try:
                shown, _st = await self.logs.tail(node, log, self.initial_lines)
                self._show_end(shown)
                start = shown.end
            except FileNotFoundError:  # the follower reports it (and its appearance)
                self._set_state("waiting for the file")
                break
            except (BackendError, OSError) as exc:  # the host is away: ask again
                self._set_state(f"cannot read {log.path}: {exc}; trying again in {delay:.0f} s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECONDS)
        await self._pump("", node, log, start)

    async def _pump(self, tag: str, node: Node, log: LogFile, start: int | None) -> None:
        path = log.path
        try:
            async for batch in self.logs.follow(node, log, start):
                self._queue.append(_Queued(tag, batch))
                self._queued_lines += len(batch.lines)
                # backpressure: a writer faster than the view waits in the file, not in memory
                while self._queued_lines > 2 * self.max_lines:
                    if not self.merged and self.view.keeps_newest_only:
                        self._drop_oldest()  # the ring would drop them at once: read on
                        break
                    await asyncio.sleep(FLUSH_SECONDS / 2)
        except (BackendError, OSError) as exc:
            self._queue.append(_Queued(tag, LineBatch(notice=f"stopped following {path}: {exc}")))

    def _drop_oldest(self) -> None:
        """Forget the oldest queued lines beyond a ring's worth: a following, unfiltered view
        keeps only the newest `max_lines`, so building the older ones would be wasted (the
        batches kept carry their own file offsets, so scrollback re-reads what was skipped).
        Without this the follower waited for each flush: ~800k lines/s at most."""
        excess = self._queued_lines - self.max_lines
        kept: deque[_Queued] = deque()
        for queued in self._queue:
            size = len(queued.batch.lines)
            if not queued.batch.notice and 0 < size <= excess:  # notices stay, in order
                excess -= size
                self._queued_lines -= size
                self.view.total_received += size
            else:
                kept.append(queued)
        self._queue = kept

    # ------------------------------------------------------------------ merged
    @work(group="follow", exclusive=True, exit_on_error=False)
    async def _follow_merged(self) -> None:
        starts: dict[str, int | None] = {}
        initial: dict[str, tuple[list[str], LineFormat]] = {}
        for node in self.nodes:
            try:
                main, _ = await self.logs.main_file(node)
                main = LogFile(main.name, main.path, await self.logs.resolve_zone(node, main.format))
            except (BackendError, OSError) as exc:
                self._queue.append(_Queued(node.name, LineBatch(notice=f"cannot list the logs: {exc}")))
                continue
            self._sources[node.name] = (node, main)
            self.view.set_format(main.format, node.name)
            if main.format.assumed:  # levels and times may be read wrong: say so once
                self._queue.append(_Queued(node.name, LineBatch(notice=f"{main.name}: layout {main.format.origin}")))
            try:
                shown, _ = await self.logs.tail(node, main, self.initial_lines)
                initial[node.name] = (shown.lines, main.format)
                starts[node.name] = shown.end
            except FileNotFoundError:
                starts[node.name] = None
            except (BackendError, OSError) as exc:
                self._queue.append(_Queued(node.name, LineBatch(notice=f"{exc}")))
        merged = merge_by_time(initial)
        self.view.append([m.text for m in merged], tags=[m.tag for m in merged])
        self._set_state("following")
        self._update_header()
        await asyncio.gather(*(self._pump(name, *self._sources[name], start) for name, start in starts.items()))

    # ------------------------------------------------------------------ delivery
    def _flush(self) -> None:
        """Move queued batches into the view: one append per run of same-source lines; in the
        merged view the lines that arrived in this window are interleaved by timestamp."""
        if not self._queue:
            self._update_status()
            return
        view = self.view
        queued = list(self._queue)
        self._queue.clear()
        self._queued_lines = 0
        if self.merged:
            window: dict[str, list[str]] = {}
            for q in queued:
                if q.batch.notice:
                    view.notice(inert(f"{q.tag}: {_NOTICES.get(q.batch.notice, q.batch.notice)}"))
                window.setdefault(q.tag, []).extend(q.batch.lines)
            merged = merge_by_time({tag: (lines, view.format_of(tag)) for tag, lines in window.items()})
            view.append([m.text for m in merged], tags=[m.tag for m in merged])
        else:
            lines: list[str] = []
            start: int | None = None
            for q in queued:
                if q.batch.notice:
                    if lines:
                        view.append(lines, offset=start)
                        lines, start = [], None
                    view.notice(inert(_NOTICES.get(q.batch.notice, q.batch.notice)))
                    continue
                if not lines:
                    start = q.batch.start
                lines.extend(q.batch.lines)
            if lines:
                view.append(lines, offset=start)
        self._update_status()

    @on(LogView.NeedOlder)
    def _need_older(self, event: LogView.NeedOlder) -> None:
        if self.current is not None and not self.merged:
            self._read_older(self.current, event.offset)

    @work(group="older", exclusive=True, exit_on_error=False)
    async def _read_older(self, log: LogFile, offset: int) -> None:
        try:
            older = await self.logs.read_before(self.nodes[0], log, offset, SCROLLBACK_LINES)
        except (BackendError, OSError) as exc:
            self.notify(inert(f"cannot read older lines: {exc}"), severity="error", markup=False)
            return
        if self.current is log:
            self.view.prepend(older.lines, offset=older.start)

    # ------------------------------------------------------------------ status
    def _set_state(self, text: str) -> None:
        self._state = text
        self._update_status()

    def _update_status(self) -> None:
        view = self.view
        where = self.current.name if self.current and not self.merged else "merged"
        parts = [where]
        if view.following:
            parts.append(self._state)
        else:
            held = f" · {_plural(view.pending, 'new line')}" if view.pending else ""
            parts.append(f"PAUSED{held} (f follows)")
        parts.append(f"{_plural(view.line_count, 'line')} in view")
        if view.match_count is not None:
            parts.append(f"{view.match_count:,} matching")
        if view.wrap:
            parts.append("wrap")
        fmt = self.current.format if self.current is not None and not self.merged else None
        if fmt is not None and fmt.assumed:
            parts.append(f"layout {fmt.origin}")
        text = inert("  ·  ".join(parts))  # the state quotes host errors, the origin a file
        if text != self._status_text:  # an unchanged status costs no layout
            self._status_text = text
            self._status.update(text, layout=False)

    # ------------------------------------------------------------------ keys
    def action_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        error = self.view.set_filter(event.value)
        event.input.border_subtitle = error or ""
        event.input.set_class(error is not None, "-invalid")
        self._update_status()

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.display = False
        self.view.focus()

    def action_back(self) -> None:
        box = self.query_one("#log-filter", Input)
        if box.has_focus or box.value:
            box.value = ""
            box.display = False
            self.view.set_filter("")
            self.view.focus()
            self._update_status()
            return
        self.app.pop_screen()

    def action_next_problem(self) -> None:
        self._jump(forward=True)

    def action_previous_problem(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        if not self.view.jump_level(forward=forward, min_level=Level.WARN):
            self.notify(f"no {'later' if forward else 'earlier'} ERROR or WARN line in view", severity="warning")
        self._update_status()

    def action_toggle_wrap(self) -> None:
        self.view.toggle_wrap()
        self._update_status()

    def action_follow(self) -> None:
        self.view.resume()
        self._update_status()

    def action_pause(self) -> None:
        view = self.view
        view.resume() if not view.following else view.pause()
        self._update_status()

    def action_copy_line(self) -> None:
        """Copy the line an ERROR/WARN jump landed on, else the last line in view (OSC 52)."""
        text = self.view.marked_or_last()
        if text is None:
            self.notify("no line to copy", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {len(text)} characters", title="clipboard")

    def action_toggle_zone(self) -> None:
        """Stamps in the host's zone (the journal's clock) or as the log wrote them."""
        self.host_times = not self.host_times
        self.view.set_display_zone(host_zone() if self.host_times else None)
        self._update_header()
        self.notify(inert(self.zone_label()), title="clock", markup=False)

    def action_reload_files(self) -> None:
        if not self.merged:
            self._load_files(self.current.path if self.current else None)


_NOTICES = {
    "rotated": "file rotated (renamed away and recreated); following the new file",
    "truncated": "file truncated; following from its start",
    "missing": "the file is not there (not created yet, or deleted); waiting for it",
    "appeared": "file appeared",
    "disconnected": "connection to the host lost; reconnecting",
    "reconnected": "reconnected to the host; following from where it stopped",
}
