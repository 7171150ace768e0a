"""gunicorn in production (docs/deploy.md), used by deploy/tongzhou-care.service and by the
deployment test (tests/ops/test_deploy.py):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py tongzhou_care.wsgi
"""

import os

# Only the reverse proxy on this machine may reach gunicorn: the proxy terminates TLS and sets
# X-Forwarded-Proto / X-Forwarded-For, which nobody else must be able to forge.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Each worker holds Django, openpyxl and WeasyPrint (about 150 MB); long work goes to the
# background worker, so a few processes serve the district's users.
workers = int(os.environ.get("GUNICORN_WORKERS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Recycle workers now and then: PDF and Excel libraries hold on to memory.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory, not on a disk that may stall under a backup.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Access log to standard output (journald), without query strings: filters may carry names
# (S12: no personal data in logs). The request id ties a line to the application's log.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
