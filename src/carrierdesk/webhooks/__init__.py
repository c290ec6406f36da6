"""Webhooks signed the Standard Webhooks way (issue 15): endpoints (service.py, api.py,
views.py), the events written with the changes they describe (events.py), which targets may be
posted to (targets.py), and their delivery by the worker (delivery.py, jobs.py)."""
