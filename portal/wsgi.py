"""The WSGI entry for a production server, e.g.::

    python run.py build && gunicorn -w 2 -b 127.0.0.1:5000 portal.wsgi:app

The store is the data folder PORTAL_DATA_DIR (default ./data): every worker opens it
safely, the store locks and replaces files across processes (one machine). With
PORTAL_DATABASE_URL=postgresql://… it is that database instead, and any number of
app servers can serve it (docs/SCALE-OUT.md); each worker has its own connection pool.
"""

from portal import create_app
from portal.config import tune_garbage_collector

tune_garbage_collector()
app = create_app()
