"""The mqadmin lines rocketui shows, journals and prints for --dry-run (5.x option names)."""

from __future__ import annotations

from rocketui.rocketmq import mqadmin

NS = ["10.0.0.1:9876", "10.0.0.2:9876"]


def test_update_topic_by_cluster_and_by_broker() -> None:
    line = mqadmin.update_topic(NS, "T", cluster="C", broker_addr=None, read=4, write=4, perm=6, order=False)
    assert line == "mqadmin updateTopic -n '10.0.0.1:9876;10.0.0.2:9876' -c C -t T -r 4 -w 4 -p 6"
    line = mqadmin.update_topic(
        NS[:1], "T", cluster=None, broker_addr="10.0.0.3:10911", read=1, write=2, perm=4, order=True
    )
    assert line == "mqadmin updateTopic -n 10.0.0.1:9876 -b 10.0.0.3:10911 -t T -r 1 -w 2 -p 4 -o true"


def test_values_are_quoted_for_a_shell() -> None:
    assert (
        mqadmin.delete_topic(NS[:1], "%RETRY%g x", "C") == "mqadmin deleteTopic -n 10.0.0.1:9876 -c C -t '%RETRY%g x'"
    )


def test_reset_and_broker_config() -> None:
    assert mqadmin.reset_offset_by_time(NS[:1], "G", "T", -1).endswith("-g G -t T -s -1")
    assert mqadmin.update_broker_config(NS[:1], "a:1", "brokerPermission", "4").endswith(
        "-b a:1 -k brokerPermission -v 4"
    )
