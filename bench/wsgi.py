"""The production app (``portal.wsgi:app``) plus a bare endpoint, for the load run only.

``gunicorn -w 2 -b 127.0.0.1:PORT bench.wsgi:app`` serves exactly the portal's app,
with one more route, ``/bench/hello``, that returns a short string: the ceiling
that every other path is compared with, measured by the same server and workers
(it passes through the app's own before/after-request hooks, like any page).
"""

from portal.wsgi import app


def _hello():
    return "hello"


app.add_url_rule("/bench/hello", "bench_hello", _hello)
