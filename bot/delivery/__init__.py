"""Getting messages out: the outbox and its sender, the notifier, the send budget and rate
limits, the edit guard."""
