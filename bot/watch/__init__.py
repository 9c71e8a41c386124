"""Numbers to watch: `/healthz` and `/metrics` (Prometheus) on WATCH_LISTEN, inside the bot
process. `metrics` holds the counters (one registry per application), `health` the probes,
`server` the small aiohttp server started and stopped with the bot."""
