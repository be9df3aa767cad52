"""Registration's service layer: commands and queries, one module per capability."""
