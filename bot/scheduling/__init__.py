"""Time-driven work: the scheduler loop and its jobs (check-ins, reminders, escalations)."""
