"""Delivery channels: SMS through a provider adapter over HTTP, e-mail over SMTP."""
