"""Words of /privacy and "Delete my data"."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def delete_question() -> str:
    return _(
        "⚠️ This deletes your name, phone number, building and everything else that is "
        "yours here. It cannot be undone. Are you sure?"
    )


def deleted_text() -> str:
    return _(
        "Your data has been deleted. Thank you for being part of the neighbourhood. "
        "If you ever want to come back, just write to me."
    )


def task_withdrawn_text(reference: str) -> str:
    """To a volunteer holding a task of someone who has just deleted their data."""
    return _(
        "Request no. {ref} has been withdrawn: the resident has left linli. "
        "There is nothing more to do. Thank you!"
    ).format(ref=reference)
