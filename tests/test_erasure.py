"""How a message that shows a person's values is told apart from one that merely names them."""

from __future__ import annotations

from bot.services.erasure import REDACTED, PersonalValues


def test_what_she_said_marks_a_message_as_about_her() -> None:
    values = PersonalValues.of(["Flat 3B & Co", "13800138000"], ["Ann Lee"])
    payload = {
        "text": "<b>Ann Lee</b>: Flat 3B &amp; Co, 📞 13800138000",
        "reply_markup": {"inline_keyboard": [[{"text": "Call Ann", "callback_data": "x:1"}]]},
    }
    redacted, about = values.redact(payload)
    assert about
    text = str(redacted)
    assert "Flat 3B" not in text and "13800138000" not in text and "Ann" not in text
    assert REDACTED in redacted["text"]


def test_her_name_alone_is_cut_out_but_others_words_stay() -> None:
    values = PersonalValues.of(["yes"], ["Ann", "王秀英"])  # "yes" is too short to look for
    redacted, about = values.redact(["Annual meeting: Ann and 王秀英阿姨 said yes", 3])
    assert not about
    assert redacted == [f"Annual meeting: {REDACTED} and {REDACTED}阿姨 said yes", 3]
