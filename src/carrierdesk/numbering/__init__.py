"""Internal Number Blocks (PRODUCT.md §3) and the account-wide extension namespace.

- service.py     assigning, listing and removing blocks
- schemas.py     the API's shapes
- extensions.py  one namespace for SIP usernames and conference extensions (claim, rename)
- api.py         /customers/{id}/number-blocks, /number-blocks/{id}; the page's grid is
                 web/templates/numbering/_blocks_panel.html + static/numbering.js
- demo.py        the demo's blocks, SIP users and rooms
"""
