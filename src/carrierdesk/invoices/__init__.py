"""Invoices from the Summary (PRODUCT.md §7).

- service.py   generate, list, fetch, void, mark paid;  auto.py  Auto Generate by schedule
- issuing.py   writing invoices set-based;  numbering.py  gapless numbers (the counter's lock)
- amounts.py (rounding)  figures.py (sums per day or destination)  period.py  coverage.py
  (what the Summary shows about invoices)  pdf.py
- schemas.py   the API's shapes;  jobs.py  the worker job (`run`);  cli.py `invoices auto-generate`
- demo.py      the demo's invoices
- api.py       /invoices, /customers/{id}/invoices;  views.py  Invoices pages and tab
"""
