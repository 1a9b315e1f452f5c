"""The shipped sample (copy_to:) is never edited in place: the operator works on a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rocketui.model.loader import load_cluster
from rocketui.usecases.personal_copy import open_cluster

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_the_shipped_sample_opens_as_a_copy_with_its_broker_file(home: Path, tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "clusters", checkout / "clusters")
    before = {p: p.read_bytes() for p in (checkout / "clusters").rglob("*") if p.is_file()}
    sample = checkout / "clusters" / "local.yaml"

    opened = open_cluster(str(sample))
    copy = home / ".config" / "rocketui" / "local.yaml"
    assert opened.cluster.source == str(copy) and "made your own copy" in opened.note
    assert opened.cluster.copy_to is None
    text = copy.read_text()
    assert "copy_to" not in text and text.startswith(f"# Your copy of {sample}")
    # comments of the sample are kept; only the copy_to line went
    assert "# `rocketui install --cluster clusters/local.yaml` puts it here" in text
    broker = opened.cluster.node("broker-a")
    assert broker.config == str(copy.parent / "local" / "broker-a.properties")
    assert Path(broker.config).read_bytes() == (checkout / "clusters" / "local" / "broker-a.properties").read_bytes()

    # the next open uses the copy as it is now (an edit survives), and the checkout never changed
    copy.write_text(text.replace("port: 10911", "port: 10921"))
    Path(broker.config).write_text(Path(broker.config).read_text().replace("10911", "10921"))
    again = open_cluster(str(sample))
    assert again.cluster.node("broker-a").port == 10921 and "working on your copy" in again.note
    assert {p: p.read_bytes() for p in (checkout / "clusters").rglob("*") if p.is_file()} == before


def test_a_file_without_copy_to_is_used_as_it_is(home: Path) -> None:
    path = REPO / "clusters" / "2m-2s-sync.yaml"
    opened = open_cluster(str(path))
    assert opened.note == "" and opened.cluster.source == str(path)
    assert opened.cluster == load_cluster(str(path))
