"""Notification's rules, free of I/O: when a message may go out, and how often it is tried."""
