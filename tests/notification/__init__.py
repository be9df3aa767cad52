"""Notification service tests: templates, channels, the ledger."""
