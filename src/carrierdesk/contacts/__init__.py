"""A customer's contacts and their logins (PRODUCT.md §2).

- service.py  the rules: list, get, create and update (now, or scheduled: `apply_contact_*` run
              them), delete, change password, notes that refuse passwords, `to_out`
- schemas.py  the API's shapes, which the Control Panel forms parse into as well
- api.py      /customers/{id}/contacts, /contacts, /contacts/{id}[/password]
- views.py    contact form (Save, Save and stay, Delay and Save), Change Password, delete,
              Global Contacts; templates in web/templates/contacts/
"""
