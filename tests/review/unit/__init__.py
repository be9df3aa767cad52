"""Review's fast tests: its domain decisions and service layer over fakes (no database, no processes)."""
