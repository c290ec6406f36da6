"""Call detail records: in (API, CLI), stored once, and out (list, CSV report).

- service.py    ingestion: validate every row (validate.py, fields.py), resolve the customer
                (directory.py), store in bulk (storage.py: COPY / executemany, partitions)
- csvio.py      canonical CSV in;  reports.py  CDRs out (keyset pages, spooled CSV)
- schemas.py    the API's shapes
- api.py POST /cdrs, GET /customers/{id}/cdrs   views.py Customer › CDR   cli.py `cdr import`
- synthetic.py, demo.py   generated traffic for the demo and the benchmarks
"""
