"""Settings › Options: the account-wide options stored in the database.

- service.py  `get_options`, `update_options`;  schemas.py  `Options`, `OptionsPatch`
- api.py      GET/PATCH /settings/options;  views.py  the Options page (admins only)
"""
