"""When the produce test sends a message again, as the Java client (DefaultMQProducer, 5.x) does.

A failed send is retried at once, at most `retries` times (retryTimesWhenSendFailed /
retryTimesWhenSendAsyncFailed, both 2 by default), on a queue of another broker when the topic
has one, and only while the send's time budget (the send timeout covers every attempt) lasts:
- a connection that could not be opened or broke: in sync and async mode;
- an error answer whose code is in the client's retry codes (below): in sync mode only — the
  Java client's async path hands broker answers to the callback without a retry;
- never a timeout (it used the whole budget), never oneway (one attempt, as in Java).
4.x clients leave SYSTEM_BUSY and GO_AWAY out of their retry codes; rocketui acts as a 5.x client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rocketui.rocketmq.remoting.codes import ResponseCode
from rocketui.rocketmq.remoting.errors import ConnectionLost, RemotingError, RemotingTimeout

if TYPE_CHECKING:
    from rocketui.services.mq_route import Queue

NO_BUYER_ID = 204
NOT_IN_CURRENT_UNIT = 205
# DefaultMQProducer.retryResponseCodes in 5.x
RETRY_CODES = frozenset(
    {
        ResponseCode.TOPIC_NOT_EXIST,
        ResponseCode.SERVICE_NOT_AVAILABLE,
        ResponseCode.SYSTEM_ERROR,
        ResponseCode.SYSTEM_BUSY,
        ResponseCode.NO_PERMISSION,
        NO_BUYER_ID,
        NOT_IN_CURRENT_UNIT,
        ResponseCode.GO_AWAY,
    }
)


def retryable(exc: RemotingError, *, sync: bool) -> bool:
    """Whether a failed attempt is sent again (while attempts and time are left)."""
    if isinstance(exc, RemotingTimeout):
        return False
    if isinstance(exc, ConnectionLost):
        return True
    return sync and exc.code is not None and exc.code in RETRY_CODES


def retry_queue(queues: Sequence[Queue], failed: Queue) -> Queue:
    """The queue after `failed` in round-robin order whose broker is another one; the next queue
    of the same broker when the topic lives on that broker only."""
    if not queues:
        return failed
    start = queues.index(failed) + 1 if failed in queues else 0
    ring = [queues[(start + i) % len(queues)] for i in range(len(queues))]
    return next((q for q in ring if q.broker_name != failed.broker_name), ring[0])
