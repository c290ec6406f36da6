"""What every HTTP layer shares (the request path: docs/architecture.md).

- http.py       `TransactionRoute`, `run_transaction`/`own_transactions`, who is asking, and the
                dependency aliases endpoints declare (`Db`, `ApiReader`, `WebWriter`, `RecordId`…)
- capacity.py   database slots;  limits.py  `BodyLimit` (413);  security.py  headers
- forms.py      Control Panel forms: `SubmittedForm`, `parse`, `save_form`, flashes, `page`
- problems.py   problem+json;  pages.py  mounts every views.py router;  templating.py Jinja2
- downloads.py  spooled file answers;  templates/, static/  pages and their scripts
"""
