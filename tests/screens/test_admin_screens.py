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
