-- Open tickets by id (work-order issue): the overdue list walks this partial
-- index newest first and stops after a page, instead of gathering every open
-- ticket through tickets_by_state and sorting them (docs/performance.md).
-- The state list must stay exactly as written in src/tickets/editing.cpp
-- (list_overdue), or SQLite cannot use the index.
CREATE INDEX tickets_open ON tickets(id) WHERE state IN ('created', 'dispatched', 'signed', 'returned',
                                                           'extension_requested', 'replied', 'reviewed',
                                                           'called_back');
