"""Registration's domain: plain objects and decisions, free of infrastructure."""
