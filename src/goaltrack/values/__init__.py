"""Pure parsing and units: periods, numbers, units, account codes. No SQL."""
