"""Webhooks: signed notifications of whitelist publications to banks' endpoints, via an outbox."""
