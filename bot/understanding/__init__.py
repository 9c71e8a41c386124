"""Understanding what people type: pure parsers of their words (no aiogram, no database)."""
