"""The replay's database work: the swap of the shadow views into the live ones (:mod:`.swap`), on SQLite
(:mod:`.sqlite`) and on PostgreSQL (:mod:`.postgres`)."""
