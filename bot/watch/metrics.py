"""The bot's Prometheus metrics, in a registry of its own per application (not the process's
default), so several bots in one process (the tests, the demo) each count only their own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.delivery.attempt import Answer

# Handling an update is mostly milliseconds; a crowd on SQLite or a slow reply takes seconds.
SEND_RESULTS = ("sent", "retry", "blocked", "failed", "skipped", "interrupted")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """What one running bot counts. Counters move as things happen; the gauges that need the
    database (outbox depth, oldest waiting age) are set by the server just before a scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.updates = Counter(
            "linli_updates",
            "Telegram updates handled, by type and outcome (handled, unhandled, error).",
            ("type", "outcome"),
            registry=registry,
        )
        self.update_seconds = Histogram(
            "linli_update_handling_seconds",
            "Time to handle an update: the session, the person, the handler, the commit.",
            ("type",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.sends = Counter(
            "linli_outbox_sends",
            "Outbox requests to Telegram, by result (sent, retry, blocked, failed, ...).",
            ("result",),
            registry=registry,
        )
        for result in SEND_RESULTS:  # shown from the start, at 0
            self.sends.labels(result=result)
        self.outbox_depth = Gauge(
            "linli_outbox_depth",
            "Outbox rows not finished yet, by status (read at scrape time).",
            ("status",),
            registry=registry,
        )
        self.outbox_oldest = Gauge(
            "linli_outbox_oldest_waiting_seconds",
            "How long the longest-waiting due outbox row has waited (read at scrape time).",
            registry=registry,
        )
        self.checkins_escalated = Counter(
            "linli_checkins_escalated",
            "Check-ins that went unanswered and were escalated to the first contact.",
            registry=registry,
        )
        self.scheduler_lag = Gauge(
            "linli_scheduler_lag_seconds",
            "How late the scheduler's tick is: its last start after its due time, or how long "
            "the next one is overdue.",
            registry=registry,
        )
        self.scrape_errors = Counter(
            "linli_watch_probe_errors",
            "Scrapes whose database reading failed (the gauges then keep their last value).",
            registry=registry,
        )

    def count_send(self, answer: Answer) -> None:
        """One outbox request over: `retry` when it was handed back to be tried later."""
        result = "retry" if answer.status is None else str(answer.status)
        self.sends.labels(result=result).inc()

    def count_escalated(self, count: int) -> None:
        if count:
            self.checkins_escalated.inc(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
