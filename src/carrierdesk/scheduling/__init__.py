"""Delay and Save: changes stored now, applied later by the worker, exactly once.

- service.py  `schedule` (validated by applying in a rolled-back savepoint), `apply_due`,
              `list_changes`, `cancel`
- schemas.py  `ScheduledChangeOut` (also the 202 of a delayed API change)
- jobs.py     the worker job (`run`);  api.py  /scheduled-changes
- views.py    Control Panel › Delay Log
"""
