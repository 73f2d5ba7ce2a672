"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_TIMEOUT) or on the command line; README.md ("Production serving") says why each is
what it is.
"""

from __future__ import annotations

import multiprocessing
import os

# Behind a proxy on the same machine; a proxy on another machine needs 0.0.0.0:8000 (and a
# firewall) instead.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers, one request each. A request here is mostly Python on the CPU (templates, the
# ORM), with short waits on the database: one worker per core keeps the cores busy, and one
# more covers the waits. Each worker costs memory (README.md states how much), not threads.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = "sync"

# Import the app once in the master, then fork: workers share its code pages, start at once,
# and a broken configuration stops the master before any worker starts. The factory opens no
# database connection and no socket, so nothing is shared across the fork that should not be.
preload_app = True

# A request that takes longer than this is killed with its worker (and logged); the pages
# answer in tens of milliseconds, an import or export in a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Sync workers close each connection after its response (no keep-alive): nginx in front keeps
# the browsers' connections alive and buffers slow clients, so a worker is never held by one.

# "-" is standard output; GUNICORN_ACCESS_LOG="" turns the access log off (nginx keeps one too).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"

# gunicorn's control socket (`gunicornc`) defaults to one path per user, which a second
# gunicorn of the same user (a bench, another site) would take over: off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
