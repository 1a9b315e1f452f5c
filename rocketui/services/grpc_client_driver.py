"""Drive the official Apache RocketMQ Python client (`rocketmq-python-client`, gRPC) for rocketui.

Run as a script by the Python that has that client installed — possibly another virtualenv than
rocketui's, so this file imports nothing of rocketui:

    python grpc_client_driver.py '{"mode": "produce", "endpoint": "127.0.0.1:8081", ...}'

It writes one JSON object per line to stdout: {"e": "started"} once the client is up, then per
message {"e": "ok", ...} / {"e": "err", ...} (produce) or {"e": "msg", ...} (consume), and
{"e": "done"} at the end ({"e": "fatal", "error": ...} when it cannot go on).  The client's own
chatter goes to its log file (~/logs/rocketmq_python/), never to stdout.

produce: {endpoint, topic, count, run_id, body_size, tag?, keys?, timeout?, rate?} — numbered
  messages with the properties rui_run / rui_seq and the body `<run>:<seq>:....` that rocketui's
  own produce test sends, so rocketui's reader can account for each one.
consume: {endpoint, topic, group, run_id, count, timeout} — receive (SimpleConsumer, acking each)
  until `count` messages of run `run_id` arrived or `timeout` seconds passed.
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any

MAX_ERROR = 300


def emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def body(run_id: str, seq: int, size: int) -> bytes:
    """The same body rocketui's produce test sends (services/mqtest.message_body)."""
    head = f"{run_id}:{seq}:".encode()
    return head[:size] if size <= len(head) else head + b"." * (size - len(head))


def _queue(receipt: Any, topic: str) -> tuple[str, int]:
    """(broker name, queue id) of a SendReceipt: its MessageQueue prints as broker.topic.queueId."""
    text = str(receipt.message_queue)
    head, _, queue = text.rpartition(".")
    broker = head[: -len(topic) - 1] if head.endswith("." + topic) else head
    return broker, int(queue)


def seconds(value: object, default: int) -> int:
    """The client takes whole seconds: a float request_timeout breaks its route queries ("'float'
    object cannot be interpreted as an integer", rocketmq-python-client 5.1.2)."""
    try:
        return max(1, math.ceil(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def produce(req: dict[str, Any]) -> None:
    from rocketmq import ClientConfiguration, Credentials, Message, Producer

    topic = req["topic"]
    config = ClientConfiguration(req["endpoint"], Credentials(), request_timeout=seconds(req.get("timeout"), 3))
    producer = Producer(config, (topic,))
    producer.startup()
    emit(e="started")
    rate = req.get("rate")
    began = time.monotonic()
    try:
        for seq in range(req["count"]):
            if rate:
                delay = began + seq / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            message = Message()
            message.topic = topic
            message.body = body(req["run_id"], seq, req["body_size"])
            if req.get("tag"):
                message.tag = req["tag"]
            for key in req.get("keys") or ():
                message.keys = key  # one key per assignment (the setter collects them)
            message.add_property("rui_run", req["run_id"])
            message.add_property("rui_seq", str(seq))
            t0 = time.perf_counter()
            try:
                receipt = producer.send(message)
            except Exception as exc:  # the client's own exceptions: report, go on
                emit(e="err", seq=seq, error=(str(exc) or type(exc).__name__)[:MAX_ERROR])
                continue
            broker, queue = _queue(receipt, topic)
            emit(
                e="ok",
                seq=seq,
                id=receipt.message_id,
                broker=broker,
                queue=queue,
                offset=receipt.offset,
                ms=round((time.perf_counter() - t0) * 1000, 3),
            )
    finally:
        producer.shutdown()
    emit(e="done")


def consume(req: dict[str, Any]) -> None:
    from rocketmq import ClientConfiguration, Credentials, FilterExpression, SimpleConsumer

    topic = req["topic"]
    config = ClientConfiguration(req["endpoint"], Credentials(), request_timeout=seconds(req.get("request_timeout"), 3))
    consumer = SimpleConsumer(config, req["group"], {topic: FilterExpression()}, await_duration=5)
    consumer.startup()
    emit(e="started")
    deadline = time.monotonic() + req.get("timeout", 60)
    seen: set[int] = set()
    try:
        while len(seen) < req["count"] and time.monotonic() < deadline:
            try:
                received = consumer.receive(32, 20)
            except Exception as exc:  # e.g. the proxy has not got the client's settings yet
                # (5.5.0 answers the first receives with a NullPointerException on "settings")
                emit(e="retry", error=(str(exc) or type(exc).__name__)[:MAX_ERROR])
                time.sleep(0.5)
                continue
            for message in received:
                props = dict(message.properties or {})
                run, text = props.get("rui_run"), str(props.get("rui_seq", ""))
                seq = int(text) if run == req["run_id"] and text.isdigit() else None
                if seq is not None:
                    seen.add(seq)
                emit(
                    e="msg",
                    run=run,
                    seq=seq,
                    id=message.message_id,
                    body_ok=seq is not None and message.body == body(req["run_id"], seq, req.get("body_size", 0)),
                )
                consumer.ack(message)
    finally:
        consumer.shutdown()
    emit(e="done", received=len(seen))


def main(argv: list[str]) -> int:
    try:
        req = json.loads(argv[1])
        {"produce": produce, "consume": consume}[req["mode"]](req)
    except ImportError as exc:
        emit(e="fatal", error=f"the official client is not installed for {sys.executable}: {exc}")
        return 3
    except Exception as exc:
        emit(e="fatal", error=(f"{type(exc).__name__}: {exc}")[:MAX_ERROR])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
