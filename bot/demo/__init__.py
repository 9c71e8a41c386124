"""`linli demo`: the real bot against a local Telegram emulator, played in a browser.

`runner.py` starts the emulator (with its web page) and the bot, `personas.py` says who is
on the page, `seed.py` prepares the demo community (`seed_demo_community`), and
`timecontrol.py` is the movable clock with its `on_time_moved` hooks.
"""
