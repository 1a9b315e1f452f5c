"""The Textual application: screens, global keys, styles. Kept small on purpose."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from rocketui.backends.factory import BackendPool
from rocketui.cluster import Cluster
from rocketui.keymap import bindings
from rocketui.screens.help import HelpScreen
from rocketui.screens.main import MainScreen
from rocketui.services.nodes import NodeService

STYLES = Path(__file__).parent / "styles"


class RocketUI(App[int]):
    CSS_PATH = sorted(STYLES.glob("*.tcss"))
    BINDINGS = bindings("global")
    TITLE = "rocketui"

    def __init__(self, cluster: Cluster, *, read_only: bool = False, service: NodeService | None = None,
                 poll_interval: float = 1.0) -> None:
        super().__init__()
        self.cluster = cluster
        self.service = service or NodeService(cluster, BackendPool(cluster), read_only=read_only or None)
        if read_only:
            self.service.read_only = True
        self.poll_interval = poll_interval
        self.keymap_overrides: dict[str, str] = {}
        self.sub_title = f"{cluster.name} · {cluster.source}"

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.service, poll_interval=self.poll_interval))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def on_unmount(self) -> None:
        await self.service.close()
