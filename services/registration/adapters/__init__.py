"""Registration's adapters: its tables and the event-store repository."""
