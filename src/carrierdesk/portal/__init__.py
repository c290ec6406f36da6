"""The Customer Portal (/portal/, PRODUCT.md §10): what a contact does for itself.

- service.py    the contact's own profile and password, password reset, email and mobile
                verification, and the operator's Portal Login link
- schemas.py    the shapes of PATCH /me and POST /me/password
- web.py        `PortalRoute` (portal error page), the layout's context, form errors
- views.py (dashboard, SIP users, rooms)  login_views.py  profile_views.py
  verification_views.py  invoice_views.py  cdr_report_views.py
- api.py        /me, /me/password, /contacts/{id}/portal-login
"""
