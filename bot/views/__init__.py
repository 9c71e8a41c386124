"""Words and keyboards: plain functions from data to text and markup. No queries, no sending."""
