"""Review's service layer: its commands and queries, one module per capability."""
