"""Webhooks: admins subscribe other systems to our events; each delivery is signed, retried and logged."""
