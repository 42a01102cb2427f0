"""Webhooks: the deliveries' queue and sender, the address guard, redaction and signatures.

Admins manage webhooks through ``api/webhooks.py`` (use cases in ``service/webhooks.py``); each delivery is
signed, retried and logged.
"""
