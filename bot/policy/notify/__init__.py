"""Who is told what, one module per area (requests, check-ins, visits, broadcasts, ...).

Each function is named after an event ("request_claimed", "checkin_escalated"), takes the
`Notifier` and the records of the event, decides the recipients and renders each message with
a view in the recipient's language. Handlers and jobs call one of these after the service has
made the change; nothing else queues messages to other people."""
