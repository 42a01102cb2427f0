"""The notify service: who hears what: e-mail out and in, in-app notices, webhooks."""
