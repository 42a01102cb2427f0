"""Log-in and credentials: passwords, access tokens, personal API tokens, service keys, throttling."""
