"""Who is asking and what they may do: logins, sessions, tokens, second factor, rights.

- principals.py   `Principal` (user, API token, contact, system) and `SYSTEM`
- permissions.py  every rule of who may read or write what: `require_staff`,
                  `require_customer`, `scope_to_customer` (services call these)
- login.py        logging in (count first, hash with nothing open), throttle.py its counts
- service.py      sessions and API tokens (`resolve`, the after-commit last-use stamp)
- passwords.py (Argon2id, policy)  tokens.py  onetime.py (links, SMS codes)  totp.py
  twofactor.py (enrolling TOTP)  users.py (Control Panel users)
- api.py /auth/*  views.py /login  account_views.py /account  admin_views.py Settings ›
  Users and API tokens
"""
