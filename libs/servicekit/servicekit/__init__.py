"""servicekit: what every servicedesk service needs and nothing domain-specific.

Modules: config, logs, errors, i18n, db, events (CloudEvents envelope), bus
(kombu), outbox, inbox, auth (gateway-signed identity), metrics, web (the app
factory chassis), pagination (the contract's list pages), worker, migrations,
cli, runtime, testing (pytest fixtures).
"""
