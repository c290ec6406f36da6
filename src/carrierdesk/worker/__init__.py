"""The background worker (docs/architecture.md, "The worker").

- loop.py  `JOBS` (every `<feature>/jobs.py` `run`, in order), a pass, the backoff while the
           database is down, `start_in_thread` (in `serve`) and `run_forever` (`worker`)
"""
