"""The rights of the bot as a group admin, as Telegram lists them in ChatMemberAdministrator."""

from __future__ import annotations

# What a group gives the bot it promotes to admin (the rights fields Telegram always sends)
ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": False,
    "can_promote_members": False,
    "can_change_info": False,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_send_welcome_messages": False,  # newer than Bot API 9.2; aiogram 3.31 requires it
}
