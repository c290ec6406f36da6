"""Customers (PRODUCT.md §1): the account's central record.

- service.py  the rules: list, `get_customer`, create, update (now, or scheduled:
              `apply_customer_update` runs it), delete
- schemas.py  the API's shapes;  api.py  /customers, /customers/{id}
- views.py    the customer list, form and page (tab Main, with the contacts, number block and
              Summary panels); templates in web/templates/customers/
"""
