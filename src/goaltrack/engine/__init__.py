"""Computation on what the store returns: scoring, scoring many plans, checks.
Returns plain data; never builds a report or prints."""
