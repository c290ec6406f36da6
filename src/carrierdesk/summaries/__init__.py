"""The Summary (PRODUCT.md §6, CDR.md): figures per period from hourly sums.

- service.py  the figures of each period;  periods.py  hours, days, ISO weeks, months
- refresh.py  the incremental, set-based refresh of the hours that got CDRs
- schemas.py  the API's shapes;  jobs.py  the worker job (`run`);  cli.py  `summary refresh`
- api.py      GET /customers/{id}/summary, POST /summary/refresh; the panel is
              web/templates/summaries/_summary_panel.html + static/summary.js
"""
