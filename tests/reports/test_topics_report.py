"""The topic detail's text, from the topic config a real 5.5.0 broker answered
(tests/data/remoting/topic_configs.json)."""

from __future__ import annotations

import json
from pathlib import Path

from rocketui.reports.topics import detail_text
from rocketui.rocketmq.remoting.admin_bodies import topic_config_from_json
from rocketui.services.topics_admin import TopicDetail

DATA = Path(__file__).resolve().parents[1] / "data" / "remoting" / "topic_configs.json"


def test_detail_says_each_brokers_config_as_mqadmin_words_it() -> None:
    table = json.loads(DATA.read_text())["topicConfigTable"]
    config = topic_config_from_json("CapTopic", table["CapTopic"])
    text = detail_text(TopicDetail("CapTopic", None, [], [], {"broker-a": config}))
    assert text.splitlines()[:3] == [
        "topic CapTopic: 0 message(s)",
        f"  broker-a: read {config.read_queue_nums} write {config.write_queue_nums} perm {config.perm} order false",
        "groups: none",
    ]
