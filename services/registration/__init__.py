"""Registration: campaigns, organizer units and accounts, activities and the public directory."""
