"""gettext catalogues (.po) for en, zh_Hans and zh_Hant; compiled in memory at start-up."""

from pathlib import Path

LOCALES_DIR = Path(__file__).parent
DOMAIN = "messages"
