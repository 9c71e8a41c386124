"""Callback data of inline buttons (aiogram CallbackData: typed, prefixed, within 64 bytes).

Never trusted: handlers check each press against the presser and the current state. Numbers
are bounded here, so a forged one (a word, a negative id, more digits than a table holds) is no
button of ours: it does not match, and the fallback answers it as a stale button."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

MAX_NUMBER = 2**31 - 1
Number = Annotated[int, Field(ge=0, le=MAX_NUMBER)]
"""An id, a version, a count: what an INTEGER column holds, never negative."""
Stamp = Annotated[int, Field(ge=0, le=2**63 - 1)]


def number_in(text: str) -> int | None:
    """A number carried in a text field ("pr:res:12", or typed "#12"): None unless it is plain
    ASCII digits within what our tables hold."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_NUMBER else None


class RoleChoice(CallbackData, prefix="role"):
    role: str


class ConsentAnswer(CallbackData, prefix="consent"):
    """Yes or no to the privacy notice; `own_name`: yes, and call me by my Telegram first name
    (read from the press itself, never carried in the button)."""

    agree: bool
    own_name: bool = False


class LanguageChoice(CallbackData, prefix="lang"):
    locale: str


class PrivacyStep(StrEnum):
    ASK_DELETE = "ask"
    CONFIRM_DELETE = "yes"
    KEEP = "keep"


class PrivacyAction(CallbackData, prefix="priv"):
    step: PrivacyStep


class NewRequestStep(CallbackData, prefix="nr"):
    """A choice while a resident describes what they need (category, when, where, confirm)."""

    field: str
    value: str


class RequestAction(CallbackData, prefix="rq"):
    """A resident acting on one of their own requests: cancel, confirm cancel, rate, comment,
    answer a coordinator's question."""

    action: str
    request_id: Number
    value: Number = 0


class ReviewAction(CallbackData, prefix="rv"):
    """A coordinator acting on a request. `version` is the request's version when the card was
    drawn: a button from before a change is stale."""

    action: str
    request_id: Number
    version: Number
    value: str = ""


class TaskAction(CallbackData, prefix="tk"):
    """A volunteer acting on a task: view, claim, on my way, done (+ minutes), can't make it."""

    action: str
    request_id: Number
    value: Number = 0


class VolunteerDecision(CallbackData, prefix="vd"):
    """A coordinator approving or declining a volunteer's registration."""

    volunteer_id: Number
    approve: bool


class ServeChoice(CallbackData, prefix="sv"):
    """A volunteer choosing a further community to serve (/serve). Checked against the
    communities they do not serve yet."""

    community_id: Number


class ServeDecision(CallbackData, prefix="sd"):
    """A coordinator of `community_id` approving or declining a volunteer's ask to serve it.
    Checked against the presser's communities and the ask still waiting."""

    volunteer_id: Number
    community_id: Number
    approve: bool


class VolunteerOffer(CallbackData, prefix="vo"):
    """A volunteer registering: toggle a skill or a spoken language, or finish the step."""

    kind: str  # "skill", "lang" or "done"
    value: str = ""


class BroadcastStep(CallbackData, prefix="bc"):
    """A coordinator writing or sending a broadcast: a choice of a step (`value`), or an action
    on a saved broadcast (`broadcast_id`, checked against its current status)."""

    action: str
    value: str = ""
    broadcast_id: Number = 0


class EventAnswer(CallbackData, prefix="ev"):
    """On an event: "yes", "no", "ics" (calendar file), "who" (coordinators: who is coming)."""

    action: str
    broadcast_id: Number


class CheckinAnswer(CallbackData, prefix="ci"):
    """The resident answering a check-in: "fine" or "help"."""

    answer: str
    checkin_id: Number


class CheckinAlertAction(CallbackData, prefix="ca"):
    """Someone of the chain on a missed check-in: "take" (I'm handling it), "ok" (reached them,
    all well), "no" (could not reach them). Checked against who was alerted."""

    action: str
    checkin_id: Number


class PairStep(CallbackData, prefix="pr"):
    """A coordinator pairing a volunteer with a resident: a choice at one step of /pair
    (`action` names the step; checked against the conversation's current step)."""

    action: str
    value: str = ""


class VisitAction(CallbackData, prefix="vs"):
    """A volunteer acting on a paired visit: "yes" (I'll be there), "no" (I can't make it),
    "skip" (no reason), "log", "out" (outcome), "wb" (wellbeing 0-4), "min" (minutes), "note".
    Checked against the presser and the visit's current status."""

    action: str
    visit_id: Number
    value: Number = 0


class CheckinSetupStep(CallbackData, prefix="cs"):
    """A choice while someone sets up check-ins (/enrol, or a resident's own): the step's
    `action` and its `value`. Checked against the presser's role and conversation step."""

    action: str
    value: str = ""


class CheckinPlanAction(CallbackData, prefix="cp"):
    """A resident on their own plan: "agree", "decline", "away", "days" (+ days away), "date",
    "back", "stop", "stopyes", "keep". `stamp` is when a proposal was written, so an agree
    button from an older proposal is stale. Checked against the presser's own plan."""

    action: str
    plan_id: Number
    stamp: Stamp = 0
    value: Number = 0


class CheckinProxy(CallbackData, prefix="cx"):
    """A coordinator or chain volunteer checking in for a resident: "ask", "yes", "no"."""

    action: str
    resident_id: Number


class PlaceChoice(CallbackData, prefix="pl"):
    """Someone tapping where they live or help (`place_id` 0: "not sure"). Checked against the
    presser's conversation step and the place still being offered."""

    place_id: Number


class PlaceAction(CallbackData, prefix="pa"):
    """A coordinator managing places: "add", "open" (one place's buttons), "rename", "hide",
    "show", "back". Checked against the presser's role."""

    action: str
    place_id: Number = 0


class CallBackAction(CallbackData, prefix="call"):
    """ "Please call me": "ask" (anyone registered) and "done" (a coordinator marking the call
    back `call_id` made). Checked against the presser's role and the call back's
    state."""

    action: str
    call_id: Number = 0


class GroupLanguageChoice(CallbackData, prefix="glang"):
    """A coordinator choosing the language of the group the button is in."""

    locale: str


class CommunityChoice(CallbackData, prefix="home"):
    """Someone registering taps the community they live in ("pick", `value` its id) or turns
    the page of a long list ("page", `value` the page). Checked against the presser's step and
    the community being one people live in."""

    action: str
    value: Number = 0


class NumbersStep(CallbackData, prefix="num"):
    """/numbers: another period (`period`), its file, or the weekly digest's day and hour
    (`value`: a weekday 0-6, or an hour)."""

    step: str
    period: str = "week"
    value: Number = 0


class PosterChoice(CallbackData, prefix="post"):
    """/poster of a community, for one of its places (`place_id` 0: the whole community)."""

    community_id: Number
    place_id: Number = 0


class ConcernStep(CallbackData, prefix="cn"):
    """Someone raising a concern about a neighbour: "skip" (the building or the name), "hear"
    (`value` yes or no: to hear it was looked into), "send", "cancel". Checked against the
    presser's conversation step."""

    field: str
    value: str = ""


class WishStep(CallbackData, prefix="ws"):
    """A choice while a wish is written: "hh" (a coordinator's household, `value` its id or
    "new"), "kind", "value" (yuan), "age", "confirm".
    Checked against the presser's conversation step."""

    field: str
    value: str = ""


class ConcernAction(CallbackData, prefix="cc"):
    """A coordinator on a concern's card: "link", "hh" (`value` a household), "hpage", "new",
    "merge", "into" (`value` a concern), "fu", "fuk" (kind), "fuo" (kind.owner), "fud"
    (kind.owner.days), "close", "file", "back", "card" (a fresh card, from /concerns).
    `version` is the concern's when the card was drawn; checked against the presser's
    communities."""

    action: str
    concern_id: Number
    version: Number
    value: str = ""


class FollowUpAction(CallbackData, prefix="fu"):
    """The owner of a follow-up (or a coordinator) marking it "done" (on a reminder), or
    "filedone" (in the household's case file, which is then shown as it is now)."""

    action: str
    follow_up_id: Number


class CaseFileAction(CallbackData, prefix="hf"):
    """A coordinator in a household's case file: "open", "page" (`value` the timeline page),
    "list" (`value` a page of households), "needs", "set" (`value` need.value), "contact",
    "member" and "rename" (typed next: who to call, someone without a phone, its name), "xlsx"
    (the whole file as a spreadsheet).
    Checked against the presser's communities."""

    action: str
    household_id: Number
    value: str = ""


class HoursPage(CallbackData, prefix="hrs"):
    """A page of one's own time account ("⏱ My hours"): the entries from `offset` on."""

    offset: Number = 0


class PayoutAction(CallbackData, prefix="fp"):
    """A coordinator approving (or cancelling) a payout from the fund."""

    action: str
    payout_id: Number


class FundStep(CallbackData, prefix="fs"):
    """A step of the fund's menu and wizards (money received, a payout asked for); `value`: a
    household's id or a category's place in the list."""

    action: str
    value: Number = 0


class FundCampaignStep(CallbackData, prefix="fc"):
    """A coordinator opening a campaign of the fund ("end": `value` days until its end, 0
    none; "go" or "no") or closing one ("close", `value` its id). Checked against the
    presser's role, community and conversation step."""

    action: str
    value: Number = 0


class FundFix(CallbackData, prefix="ff"):
    """↩️ Correct this, under money received or a payout paid: `transfer_id` the ledger's
    transfer, reversed once (with a reason) by a coordinator of its community."""

    action: str
    transfer_id: Number


class TimeGiven(CallbackData, prefix="tg"):
    """A coordinator recording time a household gave back: start, then the household."""

    action: str
    value: Number = 0


class FundNews(CallbackData, prefix="fn"):
    """From ❓ Help: send me (or stop sending me) the fund's monthly ledger."""

    on: bool


class GiveBack(CallbackData, prefix="gb"):
    """A resident's yes or no to a monthly nudge to give some time back."""

    on: bool


class WishReview(CallbackData, prefix="wr"):
    """A coordinator on a wish's card: "approve", "edit", "ask", "decline", "received".
    `version` is the wish's when the card was drawn: a button from before a change is stale."""

    action: str
    wish_id: Number
    version: Number


class WishAction(CallbackData, prefix="wa"):
    """Someone acting on a wish: a donor "light", "release", "given" (through a volunteer),
    "pickup"; the household "got" (received), "thanks", "answer"; "more" (the next page of
    wishes, `wish_id` the offset). Checked against the presser and the wish's version."""

    action: str
    wish_id: Number
    version: Number = 0


class CampaignStep(CallbackData, prefix="wc"):
    """A coordinator opening a campaign day: "day" (`value` its date), "go" (yes or no).
    Checked against the presser's role and conversation step."""

    field: str
    value: str = ""


class SurveySetupStep(CallbackData, prefix="svs"):
    """/survey, a coordinator setting it up: "who" (`value` residents, volunteers, both),
    "often" (months), "day", "hour", "q" (a question's key, toggled), "done", "stop", "start".
    Checked against the presser's role and conversation step."""

    field: str
    value: str = ""


class SurveyTap(CallbackData, prefix="sva"):
    """Someone answering a survey: "a" (`value` on the scale of the question at `step`) or
    "skip" (no comment). Checked against the presser owning the invite, the round being open
    and the question being the one awaited."""

    action: str
    invite_id: Number
    step: Number = 0
    value: Number = 0


class CertificateStep(CallbackData, prefix="cert"):
    """One's own hours certificate: "ask" (which file?), then "png" or "pdf". Nothing else:
    whose and how much are read from the presser, never from the button."""

    action: str


class StoreStep(CallbackData, prefix="st"):
    """/store, a coordinator keeping the storehouse: the menu's "stock", "in", "out",
    "pledges", "newpledge", "wish"; the wizards' "item", "new", "food", "noexp", "anon",
    "pledge", "hh", "hhpage", "shop", "every", "today", "wpick", "how". `value`: an id, a
    page, a number of days or a choice's place. Checked against the presser's role, community
    and conversation step."""

    action: str
    value: Number = 0


class OfferStep(CallbackData, prefix="of"):
    """A step of offering one's time: "start" (from the nudge to give back), then the "kind"
    tapped, the "min" (minutes) and "when" one is free."""

    field: str
    value: str = ""


class OfferAction(CallbackData, prefix="oa"):
    """On an offer of time: the offerer's "withdraw"; a coordinator's "req" and "wish" (the
    pickers), "reqpick" and "wishpick" (`value`: the request's or wish's id) and "done".
    `version` is the offer's when the button was drawn: a button from before a change is
    stale."""

    action: str
    offer_id: Number
    version: Number = 0
    value: Number = 0
