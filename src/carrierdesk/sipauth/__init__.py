"""SIP authentication of a customer (PRODUCT.md §4).

- sip_users.py    SIP users (only HA1/HA1B digests stored)
- ip_auth.py      IP authentication entries;  conferences.py  Class5 conference rooms
- schemas.py      the API's shapes;  api.py  /customers/{id}/sip-users|ip-auth|conferences
- views.py        Customer › Auth and › Conferences tabs (grids call the API: static/sipauth.js)
"""
