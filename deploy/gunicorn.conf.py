"""gunicorn settings of one app server (deploy/systemd/fazhi-app@.service passes ``--bind``).

Threads rather than more processes: a request mostly waits for PostgreSQL. Knobs from the
environment file: GUNICORN_WORKERS (default cores + 1), GUNICORN_THREADS (default 4).
Each thread holds one database connection (CONN_MAX_AGE), so PostgreSQL's max_connections
must exceed the sum of workers × threads over all app servers, plus the task worker and the
periodic jobs.
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread: a worker whose main loop is stuck this long is replaced (requests in threads may
# run longer); graceful stop lets running requests finish.
timeout = 60
graceful_timeout = 20
# Longer than nginx keeps idle upstream connections, so nginx closes them first.
keepalive = 75
backlog = 2048
# Recycle workers now and then (memory of big exports), never all at once.
max_requests = 20000
max_requests_jitter = 2000
# nginx on the same host (or the load balancer's address) sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Requests are logged by nginx; gunicorn's own errors go to the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "fazhi-app"

# Load the application once, in the master, before forking: the workers start at once and
# share the loaded code, so an app server restarted after a crash serves again seconds sooner.
# A code deployment therefore needs a restart (systemctl restart fazhi-app@8001, then @8002:
# nginx sends the traffic to the other meanwhile), not a reload.
preload_app = True


def when_ready(server):
    """Import the URLconf (every view module) in the master too, before any worker forks.
    Nothing here touches the database: each worker opens its own connections."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
