"""E-mail: out (templates, the outgoing-mail queue, SMTP) and in (listener, IMAP, parsing, loop protection)."""
