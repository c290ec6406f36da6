"""Rate cards, their decks and providers (issue 13).

- service.py  the rules: cards, decks (put_rates, list_rates, spool_rates), providers; and for
              the rating engine `deck_rows` and `rate_cards_version`
- cards.py    what other features ask without Polars or HTTP: a customer's card
              (`card_for_customer`), `bump_version`
- deck.py     a CSV deck read and checked at once in Polars; the download's format
- storage.py  decks stored in bulk (COPY / executemany, then set-based SQL) and read back
- schemas.py  the API's shapes;  api.py  /rate-cards, /rate-cards/{id}/rates(.csv), /providers
- views.py    Control Panel › Rate Cards and › Providers; templates in web/templates/rating/
"""
