"""Pictures and files drawn from data: charts, sheets, posters. Pure (data in, bytes out) and
CPU-bound: callers run them off the event loop (`asyncio.to_thread`), after their queries."""
