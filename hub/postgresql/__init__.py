"""The hub's PostgreSQL backend: Django's, with a health check without a round trip
and a prepared cursor for the read path (see base.py)."""
