"""The properties form (e) on a 4.9.7 broker: the key list of its release, read from its
distribution's broker jar (the real 4.9.7 manifest), decides which fields exist and what a typo
is taken for."""

from __future__ import annotations

import zipfile
from pathlib import Path

from rocketui.screens.broker_config import BrokerConfigScreen
from tests.screens.test_config_forms import field, make_app, open_form

DIST = Path(__file__).parent.parent / "data" / "dist"


def as_release(root: Path, version: str) -> None:
    lib = root / "rocketmq" / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(lib / f"rocketmq-broker-{version}.jar", "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", (DIST / version / "broker-MANIFEST.MF").read_text())


async def test_4x_fields_it_lacks_are_disabled_and_typos_stay_in_the_release(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    as_release(tmp_path, "4.9.7")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        assert isinstance(screen, BrokerConfigScreen) and screen.known.version == "4.9.7"
        for key in ("bindAddress", "enableControllerMode"):
            assert field(screen, key).disabled
            assert "not a key of RocketMQ 4.9.7" in str(screen.query_one(f"#e-{key}").render())
        assert not field(screen, "brokerRole").disabled
        add = screen.query_one("#add-key")
        add.focus()
        add.value = "maxDelayTim=40"  # a 4.x-only key, mistyped: the suggestion is the 4.x key
        await pilot.press("enter")
        await pilot.pause()
        assert "did you mean 'maxDelayTime'" in str(screen.query_one("#add-error").render())


async def test_5x_has_every_field(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    as_release(tmp_path, "5.5.0")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_form(pilot, "e", BrokerConfigScreen)
        assert isinstance(screen, BrokerConfigScreen) and screen.known.version == "5.5.0"
        assert not field(screen, "bindAddress").disabled and not field(screen, "enableControllerMode").disabled
