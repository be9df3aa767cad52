"""Registration's projections: every consumer of the bus that writes a read model."""
