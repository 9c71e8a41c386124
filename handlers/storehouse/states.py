"""The conversation states of /store: goods received (maybe a new kind first), goods given
to a household, a pledge recorded, a wish lit from the storehouse."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class StoreFlow(StatesGroup):
    item_in = State()  # goods received: which (button), or a new kind
    new_name = State()  # ... a new kind: its name (typed)
    new_unit = State()  # ... its unit (typed)
    new_food = State()  # ... food or not (button)
    new_low = State()  # ... flagged low at (typed)
    qty_in = State()  # ... how much came in (typed)
    expiry = State()  # ... food: its expiry date (typed) or none (button)
    donor = State()  # ... from whom (typed), anonymous or a pledge (button)
    item_out = State()  # given: which goods (button)
    household = State()  # ... to which household (button)
    qty_out = State()  # ... how much (typed)
    pledge_who = State()  # a pledge: a household or a shop (button)
    shop_name = State()  # ... the shop's name (typed)
    pledge_item = State()  # ... which goods (button)
    pledge_qty = State()  # ... how much each time (typed)
    pledge_every = State()  # ... how often (button)
    pledge_days = State()  # ... every how many days (typed)
    pledge_start = State()  # ... first due (typed date, or today by button)
    wish = State()  # a wish lit from the storehouse: which (button)
    wish_item = State()  # ... with which goods (button)
    wish_qty = State()  # ... how much (typed)
    wish_how = State()  # ... how it reaches the household (button)


TYPED = (
    StoreFlow.new_name, StoreFlow.new_unit, StoreFlow.new_low, StoreFlow.qty_in,
    StoreFlow.expiry, StoreFlow.donor, StoreFlow.qty_out, StoreFlow.shop_name,
    StoreFlow.pledge_qty, StoreFlow.pledge_days, StoreFlow.pledge_start, StoreFlow.wish_qty,
)  # fmt: skip
"""Steps that wait for words (some also have a button): a sticker there is asked for words."""

BUTTONS = (
    StoreFlow.item_in, StoreFlow.new_food, StoreFlow.item_out, StoreFlow.household,
    StoreFlow.pledge_who, StoreFlow.pledge_item, StoreFlow.pledge_every, StoreFlow.wish,
    StoreFlow.wish_item, StoreFlow.wish_how,
)  # fmt: skip
"""Steps that wait for a tap: anything else gets the question again with its buttons."""
