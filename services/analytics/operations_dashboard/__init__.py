"""The live operations dashboard: a page (``/dashboard``) fed by server-sent snapshots of the views."""
