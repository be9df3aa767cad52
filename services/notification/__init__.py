"""Notification: thank-you SMS, reminders and review outcomes, once per recipient."""
