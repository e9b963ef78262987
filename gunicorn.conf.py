"""gunicorn's settings for HOPE Coordinator, read by `gunicorn hope.wsgi` run from this
directory (flags on the command line win).

Chosen by measurement (`make bench BENCH_ARGS=--serving`, README "Speed at ten years"):
on 2 cores with ten years of data and eight people at once, sync and threaded workers of
the same count were within run-to-run noise (each led one of two runs). Threads are kept:
for the same memory a worker goes on serving while one of its requests waits (a report
being worked out, a download to a slow phone), where a sync worker is held. Two workers
per core bought nothing over one, for twice the memory and connections.
"""

import os
from multiprocessing import cpu_count

worker_class = "gthread"
# WEB_CONCURRENCY is gunicorn's own name for the worker count.
workers = int(os.environ.get("WEB_CONCURRENCY", cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
# Each thread keeps its own PostgreSQL connection (DB_CONN_MAX_AGE): workers x threads
# connections per machine, 8 on two cores; keep PostgreSQL's max_connections above the
# sum over every web machine plus the Celery workers.
timeout = 30
