"""The audit log (append-only; docs/architecture.md has the map of every package).

- service.py  `record` (an entry, in the transaction of the change), `snapshot`/`diff` (what
  changed, secrets masked), `list_entries`
- api.py      GET /audit-log          views.py  Control Panel › Audit Log
- table: models/audit.py (triggers refuse UPDATE and DELETE: the first migration)
"""
