"""E-invoices (issue 15): UBL 2.1 and Factur-X (CII), valid against EN 16931.

- fields.py    country, VAT id, IBAN, BIC rules of the parties' details
- tax.py       a customer's tax category and the EN 16931 VAT category it becomes
- parties.py   the seller's and the buyer's details, and what an invoice is issued with
- document.py  one invoice (or its credit note) as the e-invoice states it; amounts as written
- ubl.py  cii.py   the two XML syntaxes;  facturx.py  the PDF/A-3 with the CII embedded
"""
