"""gunicorn's settings for HOPE Coordinator, read by `gunicorn hope.wsgi` run from this
directory (flags on the command line win).

Chosen by measurement (`make bench BENCH_ARGS=--serving`, README "Speed at ten years"):
on 2 cores with ten years of data and eight people at once, threaded workers served the
everyday pages faster than sync workers of the same count in both runs (most of a
request is spent waiting on PostgreSQL, and a thread waiting frees the core), for the
same memory per worker. One worker per core with four threads did as well as two per
core (best in one run, second in the other) with half the memory and connections.
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
