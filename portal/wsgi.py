"""The WSGI entry for a production server, e.g.::

    python run.py build && gunicorn -w 2 -b 127.0.0.1:5000 portal.wsgi:app

The data folder comes from PORTAL_DATA_DIR (default ./data). Every worker opens
the same store safely: the store locks and replaces files across processes.
"""

from portal import create_app

app = create_app()
