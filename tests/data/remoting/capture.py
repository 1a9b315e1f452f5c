"""Capture the admin response bodies in this folder from real RocketMQ 5.5.0 JVMs.

    flock /tmp/rocketui-jvm.lock python -m tests.data.remoting.capture

Starts one namesrv and two masters (tests/support/two_brokers.py), creates topic CapTopic (4 queues)
on both, sends 40 messages with keys through rocketui, lets a standard Java push consumer
(tests/java/StdClients.java, group CapGroup) read them, and saves each body as the broker sent it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from rocketui.rocketmq.remoting import BrokerClient, NamesrvClient
from rocketui.rocketmq.remoting.codes import RequestCode
from tests.support import java_clients, two_brokers

HERE = Path(__file__).resolve().parent
TOPIC = "CapTopic"
GROUP = "CapGroup"


async def capture(env: two_brokers.TwoBrokers, classes: Path, work: Path) -> None:
    a, b = env.brokers["broker-a"], env.brokers["broker-b"]
    for addr in (a, b):
        async with BrokerClient(addr) as client:
            await client.create_topic(TOPIC, read_queue_nums=4, write_queue_nums=4)
    async with BrokerClient(a) as client:
        for i in range(40):
            await client.send_v2(TOPIC, f"body-{i}".encode(), keys=f"key-{i}", queue_id=i % 4)
    consumer = java_clients.start_client(classes, env.home, work, "consumer", "consume", env.namesrv, TOPIC, GROUP)
    consumer.wait_started()
    deadline = time.monotonic() + 60
    while sum(1 for line in consumer.lines() if line.startswith("MSG")) < 40 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(6)  # the consumer commits offsets every 5 s

    async def save(name: str, addr: str, code: RequestCode, header: dict[str, str] | None = None) -> bytes:
        async with BrokerClient(addr) as client:
            response = await client.remoting.invoke(code, header)
        (HERE / name).write_bytes(response.body)
        print(f"{name}: {len(response.body)} bytes", file=sys.stderr)
        return response.body

    await save("runtime_info.json", a, RequestCode.GET_BROKER_RUNTIME_INFO)
    await save("topic_configs.json", a, RequestCode.GET_ALL_TOPIC_CONFIG)
    await save("topic_stats.json", a, RequestCode.GET_TOPIC_STATS_INFO, {"topic": TOPIC})
    await save("consume_stats.json", a, RequestCode.GET_CONSUME_STATS, {"consumerGroup": GROUP})
    await save("consumer_connection.json", a, RequestCode.GET_CONSUMER_CONNECTION_LIST, {"consumerGroup": GROUP})
    await save("subscription_groups.json", a, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)
    await save("system_topics.json", a, RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER)
    await save("consume_by_who.json", a, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, {"topic": TOPIC})
    now = int(time.time() * 1000)
    query = {"topic": TOPIC, "key": "key-7", "maxNum": "64", "beginTimestamp": "0", "endTimestamp": str(now + 1000)}
    found = await save("query_message_key-7.bin", a, RequestCode.QUERY_MESSAGE, {**query, "_UNIQUE_KEY_QUERY": "false"})
    from rocketui.rocketmq.remoting.message import decode_messages

    offset = decode_messages(found)[0].commit_log_offset
    await save("view_message.bin", a, RequestCode.VIEW_MESSAGE_BY_ID, {"offset": str(offset)})
    consumer.stop()
    reset = {"group": GROUP, "topic": TOPIC, "timestamp": "0", "isForce": "true", "queueId": "-1", "offset": "-1"}
    await save("reset_offset.json", a, RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, reset)
    async with NamesrvClient(env.namesrv) as ns:
        response = await ns.remoting.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)
        (HERE / "namesrv_topic_list.json").write_bytes(response.body)
        wipe = await ns.remoting.invoke(RequestCode.WIPE_WRITE_PERM_OF_BROKER, {"brokerName": "broker-b"})
        add = await ns.remoting.invoke(RequestCode.ADD_WRITE_PERM_OF_BROKER, {"brokerName": "broker-b"})
        (HERE / "write_perm_headers.txt").write_text(f"wipe {wipe.ext_fields}\nadd {add.ext_fields}\n")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rocketui-capture-") as tmp:
        root = Path(tmp)
        try:
            env = two_brokers.start(root)
            classes = java_clients.compile_clients(env.home, root / "classes")
            asyncio.run(capture(env, classes, root / "java"))
        finally:
            two_brokers.stop(root)


if __name__ == "__main__":
    main()
