"""Call detail records: in (API, CLI), stored once, and out (list, CSV report).

- service.py    ingestion: check a batch at once (fastpath.py: the well-formed rows, in Polars),
                the rest row by row (validate.py: every rule and message; fields.py), resolve
                the customer (directory.py), store in bulk (storage.py: COPY / executemany)
- tables.py     the table's layout: monthly partitions on PostgreSQL, time text on SQLite
- csvio.py      canonical CSV in, row by row; csvblocks.py  files in plain blocks, split at once
- reports.py    CDRs out (keyset pages, spooled CSV)
- schemas.py    the API's shapes
- api.py POST /cdrs, GET /customers/{id}/cdrs   views.py Customer › CDR   cli.py `cdr import`
- synthetic.py, demo.py   generated traffic for the demo and the benchmarks
"""
