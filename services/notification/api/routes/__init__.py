"""Notification's routers: the ledger for organizers and admins, provider callbacks, templates."""
