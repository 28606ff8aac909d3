"""A put on a bounded queue that gives up when its reader has stopped.

Producer threads (pages read ahead of a bank's writer, rows read ahead of a package's pass) feed a bounded
queue; when the consumer stops early it sets ``stop``, and the producer must not block forever on a full
queue. ``put_until_stopped`` retries in short waits and returns False once ``stop`` is set.
"""

from __future__ import annotations

import queue
import threading
from typing import TypeVar

T = TypeVar("T")


def put_until_stopped(q: queue.Queue[T], item: T, stop: threading.Event, wait: float = 0.2) -> bool:
    """Put ``item`` on ``q``, waiting while it is full; False (item not put) once ``stop`` is set."""
    while not stop.is_set():
        try:
            q.put(item, timeout=wait)
            return True
        except queue.Full:
            continue
    return False
