"""gunicorn's settings for HOPE Coordinator, read by `gunicorn hope.wsgi` run from this
directory (flags on the command line win).

Chosen by measurement (`make bench BENCH_ARGS=--serving`, README "Speed at ten years"):
on 2 cores with ten years of data and eight people at once, threaded workers served the
everyday pages 1.6-1.9x as fast as sync workers of the same count (most of a request is
spent waiting on PostgreSQL, and a thread waiting frees the core), with the same memory
per worker; two workers per core beat one.
"""

import os
from multiprocessing import cpu_count

worker_class = "gthread"
# WEB_CONCURRENCY is gunicorn's own name for the worker count.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * cpu_count()))
threads = int(os.environ.get("WEB_THREADS", 4))
# Each thread keeps its own PostgreSQL connection (DB_CONN_MAX_AGE): workers x threads
# connections per machine, 16 on two cores; keep PostgreSQL's max_connections above the
# sum over every web machine plus the Celery workers.
timeout = 30
