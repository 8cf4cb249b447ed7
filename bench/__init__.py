"""District-scale benchmarks (issue 6): ``python -m bench`` or ``make bench``.

* ``bench.generate``  writes a district-scale store (streets, communities, members,
  posts, shifts, a year of sign-ups) in the store's own format;
* ``bench.server``    starts the production server (gunicorn, 2 workers) on 127.0.0.1
  with ``bench.wsgi`` (the portal's app plus a bare ``/bench/hello``);
* ``bench.pg``        ``--backend postgres|both``: a private PostgreSQL cluster for the
  run, the generated store copied in with ``store.copy_store`` and back (timed);
* ``bench.load``      logs members in through the real login form and drives wrk;
* ``bench.kbtime``    times the knowledge-base builds;
* ``bench.__main__``  runs everything and writes ``bench/RESULTS.md`` (backends side by side).

None of this is part of the test suite; it only reads the product's code.
"""
