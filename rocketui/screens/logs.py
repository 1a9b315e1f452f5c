"""The log view: one node's log files (side list) or several nodes' main logs merged by time.

Follow workers read through the backend and only queue batches; one 50 ms timer drains the
queue into the `LogView` with a single append per source, so a flood of lines costs one render
per frame instead of one per line (the design measured in tui-anchors §C).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from rocketui.backends.base import BackendError
from rocketui.model.cluster import Node
from rocketui.rocketmq.logs import Level, LogFile
from rocketui.screens.bindings import bindings
from rocketui.services.logs import LineBatch, LogService, follow_lines, merge_by_time, read_before, tail
from rocketui.text import human_bytes
from rocketui.widgets.log_view import LogView

FLUSH_SECONDS = 0.05
SCROLLBACK_LINES = 500


@dataclass
class _Queued:
    tag: str
    batch: LineBatch


class LogsScreen(Screen):
    BINDINGS = bindings("logs")
    KEYMAP_SCOPE = "logs"

    def __init__(
        self,
        logs: LogService,
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
        self.sub_title = names if self.merged else ""
        if self.merged:
            files = self.query_one("#log-files", OptionList)
            files.add_options([Option(n.name, id=n.name) for n in self.nodes])
            files.border_title = "nodes"
            self._follow_merged()
        else:
            self._load_files()

    @property
    def view(self) -> LogView:
        return self._view

    # ------------------------------------------------------------------ one node
    @work(group="files", exclusive=True, exit_on_error=False)
    async def _load_files(self, keep: str | None = None) -> None:
        node = self.nodes[0]
        quick: LogFile | None = None
        if keep is None:
            try:  # the end of the main log first; the side list (which looks at the JVM) after
                quick = (await self.logs.quick_main(node))[0]
                self.open_file(quick)
            except (BackendError, OSError):
                quick = None
        try:
            listed = await self.logs.files(node)
        except (BackendError, OSError) as exc:
            self._set_state(f"cannot list the logs of {node.name}: {exc}")
            return
        self._files = [f for f, _ in listed]
        box = self.query_one("#log-files", OptionList)
        box.clear_options()
        box.border_title = f"{node.name} files"
        for f, st in listed:
            size = human_bytes(st.size) if st else "not yet"
            box.add_option(Option(f"{f.name}  [dim]{size}[/]", id=f.path))
        if keep is None:
            keep = self.logs.main_of(listed)[0].path
        for i, f in enumerate(self._files):
            if f.path == keep:
                box.highlighted = i
                # switch only when the JVM's own settings put the main log elsewhere
                if self.current is None or (self.current is quick and f.path != quick.path):
                    self.open_file(f)

    def open_file(self, log: LogFile) -> None:
        self.current = log
        self.sub_title = log.path
        self.view.clear()
        self._queue.clear()
        self._queued_lines = 0
        self._follow_one(log)

    @on(OptionList.OptionSelected, "#log-files")
    def _file_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.merged:
            return
        for f in self._files:
            if f.path == event.option.id:
                self.open_file(f)
                self.view.focus()

    @work(group="follow", exclusive=True, exit_on_error=False)
    async def _follow_one(self, log: LogFile) -> None:
        node = self.nodes[0]
        backend = self.logs.backend(node)
        start: int | None = None
        try:
            shown, _st = await tail(backend, log.path, self.initial_lines)
            self._queue.append(_Queued("", LineBatch(shown.lines, start=shown.start, offset=shown.end)))
            start = shown.end
            self._set_state("following")
            self._flush()  # the end of the file at once, not at the next tick
        except FileNotFoundError:  # the follower reports it (and its appearance)
            self._set_state("waiting for the file")
        except (BackendError, OSError) as exc:
            self._set_state(f"cannot read {log.path}: {exc}")
            return
        await self._pump("", backend, log.path, start)

    async def _pump(self, tag: str, backend, path: str, start: int | None) -> None:
        try:
            async for batch in follow_lines(backend, path, start):
                self._queue.append(_Queued(tag, batch))
                self._queued_lines += len(batch.lines)
                # backpressure: a writer faster than the view waits in the file, not in memory
                while self._queued_lines > 2 * self.max_lines:
                    await asyncio.sleep(FLUSH_SECONDS / 2)
        except (BackendError, OSError) as exc:
            self._queue.append(_Queued(tag, LineBatch(notice=f"stopped following {path}: {exc}")))

    # ------------------------------------------------------------------ merged
    @work(group="follow", exclusive=True, exit_on_error=False)
    async def _follow_merged(self) -> None:
        starts: dict[str, tuple[object, str, int | None]] = {}
        initial: dict[str, list[str]] = {}
        for node in self.nodes:
            backend = self.logs.backend(node)
            try:
                main, _ = await self.logs.main_file(node)
                shown, _ = await tail(backend, main.path, self.initial_lines)
                initial[node.name] = shown.lines
                starts[node.name] = (backend, main.path, shown.end)
            except FileNotFoundError:
                starts[node.name] = (backend, main.path, None)
            except (BackendError, OSError) as exc:
                self._queue.append(_Queued(node.name, LineBatch(notice=f"{node.name}: {exc}")))
        merged = merge_by_time(initial)
        self.view.append([m.text for m in merged], tags=[m.tag for m in merged])
        self._set_state("following")
        await asyncio.gather(*(self._pump(name, b, p, s) for name, (b, p, s) in starts.items()))

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
                    view.notice(f"{q.tag}: {_NOTICES.get(q.batch.notice, q.batch.notice)}")
                window.setdefault(q.tag, []).extend(q.batch.lines)
            merged = merge_by_time(window)
            view.append([m.text for m in merged], tags=[m.tag for m in merged])
        else:
            lines: list[str] = []
            start: int | None = None
            for q in queued:
                if q.batch.notice:
                    if lines:
                        view.append(lines, offset=start)
                        lines, start = [], None
                    view.notice(_NOTICES.get(q.batch.notice, q.batch.notice))
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
            older = await read_before(self.logs.backend(self.nodes[0]), log.path, offset, SCROLLBACK_LINES)
        except (BackendError, OSError) as exc:
            self.notify(f"cannot read older lines: {exc}", severity="error")
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
            held = f" · {view.pending:,} new lines" if view.pending else ""
            parts.append(f"PAUSED{held} (f follows)")
        parts.append(f"{view.line_count:,} lines in view")
        if view.match_count is not None:
            parts.append(f"{view.match_count:,} matching")
        if view.wrap:
            parts.append("wrap")
        text = "  ·  ".join(parts)
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
