"""Each test starts from an empty Redis."""

import os

import pytest
import redis


@pytest.fixture
def url():
    address = os.environ["REDIS_URL"]
    redis.Redis.from_url(address).flushall()
    return address


@pytest.fixture
def r(url):
    """The test's own look at Redis, apart from the submission's code."""
    return redis.Redis.from_url(url, decode_responses=True)
