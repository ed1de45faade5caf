"""/metrics in Prometheus' text format (no token: point a scraper at it, not the public).

Everything comes from Redis at each scrape (grader/metrics.py), so the figures
are those of every worker on every host, not of this process.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from redis import Redis
from redis.exceptions import RedisError

from api.deps import SettingsDep
from grader import metrics_collector
from grader.queue import QUEUE

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
async def scrape(settings: SettingsDep) -> Response:
    registry = CollectorRegistry()
    client = Redis.from_url(settings.redis_url, socket_timeout=5)
    registry.register(metrics_collector.RedisCollector(client, QUEUE))
    try:
        body = await run_in_threadpool(generate_latest, registry)
    except RedisError as exc:
        return Response(f"# metrics unavailable: Redis: {exc}\n", 503, media_type="text/plain")
    return Response(body, media_type=CONTENT_TYPE_LATEST)
