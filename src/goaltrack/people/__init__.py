"""People, their roles, and the review of what they record (issue 14).

- :mod:`goaltrack.people.accounts`: people, passwords and API tokens.
- :mod:`goaltrack.people.access`: roles, scopes and the one permission check every entry
  point uses (the CLI now, the web application next).
"""
