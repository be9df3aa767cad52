"""Review's projections: its own views of the streams."""
