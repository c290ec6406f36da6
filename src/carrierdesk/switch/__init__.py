"""What SIP servers call over HTTP, with an API token of role `switch` (and nothing else may).

- schemas.py     the form FreeSWITCH's mod_xml_curl posts
- freeswitch.py  the directory answer (a1-hash and the user's variables), read from the
                 `sip_accounts` view (sipauth/server_views.py), which holds who is visible
- api.py         POST /switch/freeswitch/directory, and who is calling (bearer or Basic)
"""
