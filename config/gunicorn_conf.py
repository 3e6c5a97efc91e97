"""gunicorn's settings for the deployed app (the Dockerfile's CMD) and for `make load` and
`make fuzz`, which measure the app as deployed. Each can be changed by an environment variable.

- `gthread` workers, one more than the cores, 4 threads each: a search waits on PostgreSQL and
  the travel engine, so threads keep a core busy while another request waits.
- keep-alive 75 s: gunicorn sits behind a proxy (the proxy's idle timeout is usually 60 s), and
  a server that closes an idle connection before the proxy does races the proxy's next request
  on it (the client sees "connection reset"). Set GUNICORN_KEEPALIVE=2 if clients reach gunicorn
  directly.
- a worker is replaced after about 2,000 requests (jittered, so not all at once), which bounds
  any slow growth in memory.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
errorlog = "-"
