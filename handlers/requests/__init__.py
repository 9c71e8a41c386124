"""Help requests, one router per sub-flow, in this order (see handlers.all_routers): `asking`
(the residents' menu entries and the asking wizard), `mine` (a resident's own requests: cancel,
rate, comment, answer), `review` (the coordinators' card), `tasks` (the volunteers' side),
`volunteers` (coordinators deciding on volunteers), `serving` (a volunteer serving one more
community, /serve) and `queue` (a coordinator's waiting requests, /waiting). Their states are
in `states`; who is told what is in bot.policy.notify.requests and .serving."""
