"""Notification's adapters: its tables."""
