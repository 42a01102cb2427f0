"""Use cases of the notify service: the directory kept from events, the notices queued for an event (both in
the consumer's transaction), the in-app notices and preferences, and the webhooks of the API."""
