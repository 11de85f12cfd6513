"""The console: server-rendered pages over Radar's records, tasks and dead letters."""
