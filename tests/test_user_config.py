"""Key overrides and theme from the operator's config file; mistakes are messages, not crashes."""

from __future__ import annotations

from pathlib import Path

from rocketui.user_config import load_user_config, remember_theme


def test_keys_theme_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("keys:\n  main.start: f5\n  main.strat: f6\n  logs.filter: 3\ntheme: nord\ncolour: red\n")
    config = load_user_config(path)
    assert config.keys == {"main.start": "f5"}
    assert config.theme == "nord"
    problems = "\n".join(config.problems)
    assert "unknown binding id 'main.strat'" in problems
    assert "logs.filter: expected key names" in problems
    assert "unknown setting 'colour'" in problems


def test_broken_yaml_is_reported_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("keys: [\n")
    config = load_user_config(path)
    assert config.keys == {} and str(path) in config.problems[0]


def test_remembered_theme_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("theme: nord\n")
    remember_theme("gruvbox")
    assert load_user_config(path).theme == "gruvbox"
