"""Review's adapters: its tables."""
