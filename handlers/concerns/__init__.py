"""A neighbour's concern (raising it), the coordinators' card and follow-ups, and a household's
case file: one router per module."""
