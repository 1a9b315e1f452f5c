"""The day-2 changes through their screens with Pilot: the topic form → the mqadmin lines in a
confirmation whose default answer is Cancel → the change; `z` on a group → the old → new offsets
preview → the reset; `D` on a master → the drain's confirmation → the put TPS watched.  The use
case is a stub that records what the screens asked (the changes themselves run against real
brokers in tests/usecases/test_admin_integration.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rocketui.rocketmq.remoting.admin_bodies import MessageQueue
from rocketui.screens.drain import DrainScreen
from rocketui.screens.groups import GroupDetailScreen, ResetTargetModal
from rocketui.screens.topic_form import TopicFormModal
from rocketui.screens.topics import TopicsScreen
from rocketui.services.drain import DrainWatch
from rocketui.services.offsets_reset import ResetPlan, ResetResult, ResetRow, ResetTarget
from rocketui.services.topic_replicas import TopicSpec
from rocketui.usecases.admin import Plan
from rocketui.usecases.gate import Outcome
from rocketui.widgets.confirm import ConfirmModal
from tests.screens.test_admin_screens import StubAdmin, demo_app
from tests.support.waits import pilot_wait_for

NS = "127.0.0.1:9876"


class ChangingAdmin(StubAdmin):
    """Plans as the real use case words them; each change is recorded and answered ok."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, object]] = []

    async def plan_topic(self, spec: TopicSpec, brokers: object = None, *, update: bool = False) -> Plan:
        line = f"mqadmin updateTopic -n {NS} -t {spec.name} -c DemoCluster -r {spec.read_queues} -w {spec.write_queues}"
        return Plan("topic update" if update else "topic create", spec.name, [line], [])

    async def create_topic(self, spec: TopicSpec, brokers: object = None, *, update: bool = False) -> Outcome[Any]:
        self.changes.append(("update" if update else "create", spec))
        return Outcome("topic create", spec.name, True, f"topic {spec.name} created on broker-a")

    async def group(self, name: str) -> Any:
        return await self.groups()

    async def reset_preview(self, group: str, target: ResetTarget, topics: object = None) -> ResetPlan:
        rows = [ResetRow(MessageQueue("CapTopic", "broker-a", q), 40 + q, 0) for q in range(2)]
        return ResetPlan(group, target, ["CapTopic"], rows, {"broker-a": "127.0.0.1:10911"})

    def plan_reset(self, plan: ResetPlan) -> Plan:
        line = f"mqadmin resetOffsetByTime -n {NS} -g {plan.group} -t CapTopic -s {plan.target.broker_timestamp}"
        return Plan("reset offsets", plan.group, [line], [f"to {plan.target}"])

    async def reset_offsets(self, plan: ResetPlan, *, dry_run: bool = False) -> Outcome[ResetResult]:
        self.changes.append(("reset", plan))
        return Outcome("reset offsets", plan.group, True, f"{plan.group}: 2 queue(s) reset to {plan.target}, read back")

    async def plan_drain(self, broker_name: str, *, undo: bool = False) -> Plan:
        line = f"mqadmin updateBrokerConfig -n {NS} -b 127.0.0.1:10911 -k brokerPermission -v {6 if undo else 4}"
        return Plan("undrain" if undo else "drain", broker_name, [line], ["producers move within ≤30 s"])

    async def drain(
        self, broker_name: str, *, undo: bool = False, progress: Callable[[float, float], None] | None = None, **_: Any
    ) -> Outcome[DrainWatch]:
        self.changes.append(("undrain" if undo else "drain", broker_name))
        if progress is not None and not undo:
            for second, tps in ((1.0, 120.0), (2.0, 35.0), (3.0, 0.0)):
                progress(second, tps)
        return Outcome("drain", broker_name, True, f"{broker_name} {'writable again' if undo else 'drained'}")


def app_with(admin: ChangingAdmin) -> Any:
    app, _ = demo_app()
    app.ops.admin = admin
    return app


def confirm_text(app: Any) -> str:
    modal = app.screen
    assert isinstance(modal, ConfirmModal)
    return "\n".join([modal.title_text, modal.body, *modal.details])


async def press_z(pilot: Any, app: Any) -> None:
    await pilot.press("z")
    await pilot_wait_for(pilot, lambda: isinstance(app.screen, ResetTargetModal), what="the target form")


async def open_reset_form(pilot: Any, app: Any) -> None:
    """`g`, Enter on the (one) group, `z`: the reset's target form."""
    await pilot.press("g")
    await pilot_wait_for(pilot, lambda: app.screen.selected_key() == "CapGroup", what="the groups")
    await pilot.press("enter")
    await pilot_wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), what="the group's detail")
    await press_z(pilot, app)


async def test_topic_create_shows_the_mqadmin_line_cancel_by_default_then_applies() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics screen")

        async def review(name: str) -> None:
            await pilot.press("c")
            await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicFormModal), what="the topic form")
            form = app.screen
            form.query_one("#tf-name").value = name
            form.query_one("#tf-read").value = "8"
            form.query_one("#tf-write").value = "8"
            await pilot.click("#ok")
            await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the confirmation")

        await review("Orders")
        assert f"mqadmin updateTopic -n {NS} -t Orders -c DemoCluster -r 8 -w 8" in confirm_text(app)
        await pilot.press("enter")  # the focused button is Cancel
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="back to the topics")
        await app.workers.wait_for_complete()
        assert admin.changes == []

        await review("Orders")
        await pilot.press("y")
        await pilot_wait_for(pilot, lambda: bool(admin.changes), what="the create")
        assert admin.changes == [("create", TopicSpec("Orders", 8, 8, 6, False))]


async def test_a_topic_name_the_broker_refuses_never_reaches_the_confirmation() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics screen")
        await pilot.press("c")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicFormModal), what="the topic form")
        app.screen.query_one("#tf-name").value = "bad name!"
        await pilot.click("#ok")
        await pilot.pause()
        assert isinstance(app.screen, TopicFormModal)
        assert str(app.screen.query_one("#tf-error").render())  # says why, the form stays
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TopicsScreen) and admin.changes == []


async def test_enter_on_a_group_then_z_previews_old_and_new_offsets_then_resets() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(180, 40)) as pilot:
        await open_reset_form(pilot, app)
        await pilot.press("enter")  # "earliest", the form's default
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the preview")
        text = confirm_text(app)
        assert "reset CapGroup to earliest: old → new offset per queue" in text
        assert "40" in text and "41" in text  # the old offsets of both queues
        assert f"mqadmin resetOffsetByTime -n {NS} -g CapGroup -t CapTopic -s 0" in text
        await pilot.press("escape")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, GroupDetailScreen), what="back to the group")
        assert admin.changes == []
        await press_z(pilot, app)
        app.screen.query_one("#reset-to").value = "latest"
        await pilot.press("enter")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the preview")
        await pilot.press("y")
        await pilot_wait_for(pilot, lambda: bool(admin.changes), what="the reset")
        ((what, plan),) = admin.changes
        assert what == "reset" and isinstance(plan, ResetPlan) and str(plan.target) == "latest"


async def test_a_reset_target_that_is_no_time_says_so_in_the_form() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(180, 40)) as pilot:
        await open_reset_form(pilot, app)
        app.screen.query_one("#reset-to").value = "yesterday-ish"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ResetTargetModal)
        assert "cannot read 'yesterday-ish' as a time" in str(app.screen.query_one("#reset-error").render())


async def test_drain_a_master_after_confirming_watches_put_tps_then_u_undoes() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down")  # namesrv-1, then broker-a (a master)
        await pilot.press("D")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the drain confirmation")
        text = confirm_text(app)
        assert "Drain (make read-only): broker-a" in text and "-k brokerPermission -v 4" in text
        await pilot.press("y")
        await pilot_wait_for(pilot, lambda: ("drain", "broker-a") in admin.changes, what="the drain")
        screen = app.screen
        assert isinstance(screen, DrainScreen)
        await pilot_wait_for(
            pilot, lambda: "broker-a drained" in str(screen.query_one("#drain-status").render()), what="the outcome"
        )
        assert screen.samples == [120.0, 35.0, 0.0]
        await pilot.press("u")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the undrain confirmation")
        assert "-k brokerPermission -v 6" in confirm_text(app)
        await pilot.press("enter")  # Cancel
        await pilot.pause()
        assert ("undrain", "broker-a") not in admin.changes


async def test_d_on_a_slave_or_namesrv_drains_nothing() -> None:
    admin = ChangingAdmin()
    app = app_with(admin)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("D")  # namesrv-1
        await pilot.pause()
        await pilot.press("down", "down")
        assert app.screen._selected().name == "broker-a-s"
        await pilot.press("D")
        await pilot.pause()
        assert not isinstance(app.screen, (DrainScreen, ConfirmModal)) and admin.changes == []


async def test_enter_on_a_topic_opens_its_detail() -> None:
    from rocketui.screens.topics import TopicDetailScreen

    app = app_with(ChangingAdmin())
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("t")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicsScreen), what="the topics screen")
        await pilot_wait_for(pilot, lambda: app.screen.selected_key() == "CapTopic", what="the rows")
        await pilot.press("enter")
        await pilot_wait_for(pilot, lambda: isinstance(app.screen, TopicDetailScreen), what="the topic's detail")
        assert app.screen.topic == "CapTopic"
