"""Attack on a grading's Redis: remember something for the next grading, fill its memory,
and hold connections blocked forever, then fail every call with what it found.

Each grading gets a fresh Redis, so the marker of an earlier grading is never there.
"""

import os
import threading

import redis

URL = os.environ["REDIS_URL"]
client = redis.Redis.from_url(URL)
PERSISTED = "yes" if client.get("attack:marker") else "no"
client.set("attack:marker", "left by an earlier grading")


def _fill():
    block = b"x" * (1 << 20)
    try:
        for n in range(100_000):
            client.set(f"attack:fill:{n}", block)
    except redis.RedisError as exc:
        return f"full after {n} MB: {type(exc).__name__}"
    return "never full"


FILLED = _fill()


def _block_forever():
    with redis.Redis.from_url(URL) as held:
        held.blpop(["attack:never"], timeout=0)


for _ in range(20):
    threading.Thread(target=_block_forever, daemon=True).start()


def _refuse(*args, **kwargs):
    raise NotImplementedError(f"persisted: {PERSISTED}; {FILLED}")


submit_score = top = rank = start_session = session_player = end_session = allow = _refuse
