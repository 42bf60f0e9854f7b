"""An example plugin: a check that every initiative names who owns it.

Load it with ``goaltrack --plugins-dir examples/plugins check`` (or list the folder under
``[plugins] dirs`` in goaltrack.toml). It is an example of the ``register_checks`` hook
(docs/plugins.md), not one of goaltrack's built-in checks; copy it as a start for your own.
"""

from goaltrack import hookimpl
from goaltrack.interfaces import Check, Finding


class InitiativeWithoutOwner(Check):
    # Plugin rule ids carry a prefix of their own; goaltrack's built-ins use GT.
    rule_id = "EX001"
    severity = "info"
    description = "Every initiative names its owner (who answers for its progress)."

    def run(self, conn, plan_id, settings):
        # Heavy imports inside the method, so that `goaltrack --help` stays fast.
        from sqlalchemy import text

        rows = conn.execute(
            text(
                "SELECT code FROM initiative WHERE plan_id = :p AND (owner IS NULL OR owner = '') "
                "ORDER BY code"
            ),
            {"p": plan_id},
        )
        for (code,) in rows:
            yield Finding(self.rule_id, self.severity, f"initiative {code} names no owner", "initiative", code)


@hookimpl
def register_checks(register):
    register(InitiativeWithoutOwner())
