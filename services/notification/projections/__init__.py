"""Notification's projections: consumers of the streams that keep what planning needs and reserve messages."""
