"""Pure parsers of what people type (answers, durations, times of day, kinds of help, when),
no aiogram, no database."""
