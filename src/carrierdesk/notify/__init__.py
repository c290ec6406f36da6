"""Email and SMS: the outbox, its delivery and the Email Log.

- service.py    `queue`/`message_contact` (in the transaction of the cause), `forget_secrets`,
                the Email Log's list and `reveal`
- templates.py  message templates (files in templates/, overridable by the operator)
- delivery.py   SMTP delivery with retries;  jobs.py  the worker job (`run`)
- api.py        /outbox;  views.py  Control Panel › Email Log (secrets masked, admin Reveal)
"""
