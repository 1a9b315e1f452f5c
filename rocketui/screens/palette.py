"""Command palette (Ctrl+P or `:`): every action of the current screen, from the keymap table, and
on the node table the same actions per node ("Stop broker-a", "Logs of namesrv-1", …)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from rocketui.keymap import display_key, keys_for

NODE_ACTIONS = (
    ("Start", "start"),
    ("Stop", "stop"),
    ("Restart", "restart"),
    ("Logs of", "logs"),
    ("Edit properties of", "edit_config"),
    ("JVM memory of", "edit_memory"),
    ("Copy address of", "copy_address"),
)


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        scope = getattr(screen, "KEYMAP_SCOPE", None)
        overrides = getattr(self.app, "keymap_overrides", {})
        found: list[tuple[str, Callable[[], object], str]] = []
        for key in keys_for(scope) if scope else []:
            keys = display_key(overrides.get(key.id, key.keys))
            found.append((key.description, partial(self.app.run_action, key.action, screen), f"key {keys}"))
        select = getattr(screen, "select_and_run", None)
        cluster = getattr(screen, "cluster", None)
        if select is not None and cluster is not None:
            for node in cluster.nodes:
                for verb, action in NODE_ACTIONS:
                    if action == "edit_config" and node.kind.value != "broker":
                        continue
                    found.append(
                        (
                            f"{verb} {node.name}",
                            partial(select, node.name, action),
                            f"{node.kind.value} on host {node.host}",
                        )
                    )
        return found

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
