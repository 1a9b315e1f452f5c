"""Which failed sends the produce test sends again, and where (mqtest_retry)."""

from __future__ import annotations

import pytest

from rocketui.rocketmq.remoting.codes import RequestCode, ResponseCode
from rocketui.rocketmq.remoting.errors import ConnectFailed, ConnectionLost, RemotingError, RemotingTimeout
from rocketui.services.mq_route import Queue
from rocketui.services.mqtest_retry import retry_queue, retryable

ADDR = "127.0.0.1:10911"


def answer(code: int) -> RemotingError:
    return RemotingError.from_response(ADDR, RequestCode.SEND_MESSAGE_V2, code, "x")


@pytest.mark.parametrize(
    ("exc", "sync", "expected"),
    [
        (answer(ResponseCode.SYSTEM_BUSY), True, True),
        (answer(ResponseCode.SYSTEM_BUSY), False, False),  # async: broker answers go to the callback
        (answer(ResponseCode.SERVICE_NOT_AVAILABLE), True, True),
        (answer(ResponseCode.NO_PERMISSION), True, True),
        (answer(ResponseCode.GO_AWAY), True, True),
        (answer(ResponseCode.MESSAGE_ILLEGAL), True, False),
        (answer(ResponseCode.FLOW_CONTROL), True, False),  # not in DefaultMQProducer's retry codes
        (ConnectFailed(ADDR, "connection refused"), False, True),
        (ConnectionLost(ADDR, "connection closed"), True, True),
        (RemotingTimeout(ADDR, "no answer within 3s"), True, False),  # the budget is spent
    ],
)
def test_retryable_as_the_java_client(exc: RemotingError, sync: bool, expected: bool) -> None:
    assert retryable(exc, sync=sync) is expected


def test_retry_queue_prefers_another_broker_then_the_next_queue() -> None:
    a0, a1, b0, b1 = Queue("a", 0), Queue("a", 1), Queue("b", 0), Queue("b", 1)
    assert retry_queue([a0, a1, b0, b1], a0) == b0
    assert retry_queue([a0, a1, b0, b1], b1) == a0
    assert retry_queue([a0, a1], a1) == a0  # one broker: its next queue
    assert retry_queue([a0], a0) == a0
    assert retry_queue([], a0) == a0
