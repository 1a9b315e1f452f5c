"""The operator's own settings: key overrides (`$XDG_CONFIG_HOME/rocketui/config.yaml`, written
by hand, never by rocketui) and remembered UI state such as the theme
(`$XDG_STATE_HOME/rocketui/state.yaml`, written by rocketui).

config.yaml:

    keys:               # binding id (see `?`) -> comma-separated Textual key names
      main.start: ctrl+s
      logs.filter: slash,f2
    theme: nord         # default theme; the last theme chosen in the app wins over it
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rocketui.keymap import KEYMAP


@dataclass
class UserConfig:
    keys: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    problems: list[str] = field(default_factory=list)  # shown once as a notification


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "rocketui" / "config.yaml"


def state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "rocketui" / "state.yaml"


def load_user_config(path: Path | None = None) -> UserConfig:
    """The config file's keys and theme; every mistake is a problem with file and key, never a crash."""
    path = path or config_path()
    config = UserConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = None
    except (OSError, yaml.YAMLError) as exc:
        config.problems.append(f"{path}: cannot read it ({exc}); using the default keys")
        data = None
    if data is not None and not isinstance(data, dict):
        config.problems.append(f"{path}: expected a mapping with 'keys:' and 'theme:'")
        data = None
    data = data or {}
    known = {k.id for k in KEYMAP}
    keys = data.get("keys") or {}
    if not isinstance(keys, dict):
        config.problems.append(f"{path}: 'keys' must map binding ids to keys, like main.start: ctrl+s")
        keys = {}
    for binding_id, value in keys.items():
        if binding_id not in known:
            near = [k for k in sorted(known) if k.split(".")[-1] == str(binding_id).split(".")[-1]]
            hint = f"; did you mean {near[0]}?" if near else "; the ids are listed by the ? help screen"
            config.problems.append(f"{path}: keys: unknown binding id {binding_id!r}{hint}")
        elif not isinstance(value, str) or not value.strip():
            config.problems.append(f"{path}: keys: {binding_id}: expected key names like 'ctrl+s' or 'x,f5'")
        else:
            config.keys[str(binding_id)] = value.strip()
    for key in ("theme",):
        if key in data and not isinstance(data[key], str):
            config.problems.append(f"{path}: {key}: expected a theme name")
    config.theme = data.get("theme") if isinstance(data.get("theme"), str) else None
    for extra in set(data) - {"keys", "theme"}:
        config.problems.append(f"{path}: unknown setting {extra!r}; expected keys, theme")
    remembered = _load_state().get("theme")
    if isinstance(remembered, str):
        config.theme = remembered
    return config


def _load_state() -> dict[str, object]:
    try:
        data = yaml.safe_load(state_path().read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def remember_theme(theme: str) -> None:
    state = _load_state()
    state["theme"] = theme
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(state), encoding="utf-8")
    os.replace(tmp, path)
