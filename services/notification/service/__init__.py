"""Notification's service layer: the dispatcher, the reminders, the ledger's commands and queries."""
