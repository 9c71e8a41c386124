"""Pure parsers of what people type (answers, durations, times of day, categories), no aiogram."""
