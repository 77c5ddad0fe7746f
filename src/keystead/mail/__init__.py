"""Mail: an outbox table every message goes through, and an SMTP sender."""
