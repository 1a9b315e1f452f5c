"""The day-2 screens with Pilot on the demo cluster, their use case replaced by a stub that answers
with reports built from the bodies real brokers sent (tests/data/remoting): `t` topics (system
topics hidden, `s` shows them, `/` filters, host text inert), `g` groups with the lag trend,
`M` lookup, `D` only on a master and refused read-only."""

from __future__ import annotations

from pathlib import Path

from rocketui.app import RocketUI
from rocketui.rocketmq.remoting import lenient_json
from rocketui.rocketmq.remoting.admin_bodies import consume_stats_from_json, consumer_connection_from_json
from rocketui.screens.groups import GroupsScreen
from rocketui.screens.messages_lookup import MessageLookupScreen
from rocketui.screens.topics import TopicsScreen
from rocketui.services.groups_admin import GroupRow, GroupsReport
from rocketui.services.topics_admin import TopicRow, TopicsReport
from tests.support.fake_service import DEMO_STATUSES, TableService, demo_cluster
from tests.support.waits import pilot_wait_for

DATA = Path(__file__).resolve().parents[1] / "data" / "remoting"


class StubAdmin:
    def __init__(self) -> None:
        self.lag = 10
        self.calls: list[str] = []

    async def topics(self, *, stats: bool = True) -> TopicsReport:
        self.calls.append("topics")
        return TopicsReport(
            [
                TopicRow("CapTopic", "normal", ["broker-a"], 4, 4, {6}, messages=40, put_tps=4.0),
                TopicRow("SCHEDULE_TOPIC_XXXX", "system", ["broker-a"], 18, 18, {6}, messages=0),
                TopicRow("evil\x1b[31mtopic", "normal", ["broker-a"], 1, 1, {6}, messages=1),
            ]
        )

    async def groups(self, *, oldest: bool = True) -> GroupsReport:
        self.lag += 5
        stats = consume_stats_from_json(lenient_json.loads((DATA / "consume_stats.json").read_bytes()))
        conn = consumer_connection_from_json(lenient_json.loads((DATA / "consumer_connection.json").read_bytes()))
        row = GroupRow("CapGroup", conn, stats.queues, stats.consume_tps)
        return GroupsReport([row])

    async def message_by_id(self, msg_id: str, topic: str | None = None) -> list[object]:
        self.calls.append(f"id {msg_id}")
        return []

    async def close(self) -> None:
        return None


def demo_app(read_only: bool = False) -> tuple[RocketUI, StubAdmin]:
    cluster = demo_cluster()
    app = RocketUI(cluster, read_only=read_only, service=TableService(cluster, DEMO_STATUSES), poll_interval=0)
    app.animation_level = "none"
    stub = StubAdmin()
    app.ops.admin = stub  # type: ignore[assignment]
    return app, stub


def cells(app: RocketUI) -> list[list[str]]:
    table = app.screen.query_one("#admin-table")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]  # type: ignore[attr-defined]


async def test_topics_hide_system_filter_and_show_host_text_inert() -> None:
    app, _ = demo_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause(0.3)
        assert isinstance(app.screen, TopicsScreen)
        names = [row[0] for row in cells(app)]
        assert names == ["CapTopic", "evil␛[31mtopic"]  # ESC made visible, system topic hidden
        await pilot.press("s")
        await pilot.pause()
        assert "SCHEDULE_TOPIC_XXXX" in [row[0] for row in cells(app)]
        await pilot.press("slash", "C", "a", "p")
        await pilot.pause()
        assert [row[0] for row in cells(app)] == ["CapTopic"]
        assert cells(app)[0][7] == "40"


async def test_groups_show_lag_and_its_trend() -> None:
    app, _ = demo_app()
    async with app.run_test(size=(180, 40)) as pilot:
        await pilot.press("g")
        await pilot.pause(0.3)
        assert isinstance(app.screen, GroupsScreen)
        (row,) = cells(app)
        assert row[0] == "CapGroup" and row[1] == "1" and row[3] == "push" and row[5] == "29"
        assert row[6]  # the sparkline of the refreshes so far


async def test_message_lookup_asks_the_use_case() -> None:
    app, stub = demo_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MessageLookupScreen)
        app.screen.query_one("#msg-query").value = "7F00000100002A9F0000000000000000"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert stub.calls == ["id 7F00000100002A9F0000000000000000"]
        assert "Message not found" in str(app.screen.query_one("#msg-result").render())


async def test_changes_refused_read_only() -> None:
    app, _ = demo_app(read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        assert app.screen.__class__.__name__ != "DrainScreen"
        await pilot.press("t")
        await pilot.pause(0.3)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, TopicsScreen)  # no form opened


class ManyTopics(StubAdmin):
    """1,200 topics; `topics()` answers with what `names` and `messages` say at the time."""

    def __init__(self) -> None:
        super().__init__()
        self.names = [f"Topic{i:04d}" for i in range(1200)]
        self.messages: dict[str, int] = {}

    async def topics(self, *, stats: bool = True) -> TopicsReport:
        return TopicsReport(
            [TopicRow(n, "normal", ["broker-a"], 4, 4, {6}, messages=self.messages.get(n, 5)) for n in self.names]
        )


async def refreshed(pilot, table) -> None:
    """Until no refresh (nor the filter's refill) runs and the table shows no list."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()  # messages that start one (the filter's Changed) handled first
    await pilot_wait_for(
        pilot,
        lambda: not table.showing and not any(w.is_running for w in pilot.app.workers),
        timeout=60,
        what="the refresh to end",
    )


async def test_a_refresh_of_1200_topics_keeps_the_cursor_on_its_topic_and_the_row_count_right() -> None:
    from rocketui.widgets.keyed_table import KeyedTable

    app, _ = demo_app()
    stub = ManyTopics()
    app.ops.admin = stub  # type: ignore[assignment]
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TopicsScreen)
        table = screen.query_one(KeyedTable)
        await refreshed(pilot, table)
        assert table.row_count == 1200 and table.keys == stub.names
        assert len(table.columns) == len(TopicsScreen.COLUMNS)
        table.move_cursor(row=700)
        await pilot.pause()
        on_screen = table.cursor_row - table.scroll_y

        # the same topics, some counts changed (one much wider): only cells change, nothing moves
        stub.messages = {"Topic0700": 1_234_567_890_123, "Topic0003": 7}
        screen.action_refresh()
        await refreshed(pilot, table)
        assert screen.selected_key() == "Topic0700" and table.cursor_row == 700 and table.row_count == 1200
        messages = TopicsScreen.COLUMNS.index("messages")
        assert str(table.get_row_at(700)[messages]) == "1234567890123"
        assert str(table.get_row_at(3)[messages]) == "7"
        assert table.ordered_columns[messages].content_width >= len("1234567890123")  # the column widened

        # topics created before it and one deleted: rows rebuilt, the cursor back on its topic, in place
        stub.names = sorted([*stub.names[:100], *stub.names[101:], "Topic0350a", "Topic0350b", "Topic0350c"])
        screen.action_refresh()
        await refreshed(pilot, table)
        assert table.row_count == 1202 and table.keys == stub.names
        assert screen.selected_key() == "Topic0700" and table.cursor_row == 702  # 700 - 1 + 3
        assert table.cursor_row - table.scroll_y == on_screen
        assert str(table.get_row_at(702)[messages]) == "1234567890123"
