"""Test plugin: a check ``T001`` that flags every indicator code listed in the settings."""

from __future__ import annotations

from goaltrack import hookimpl
from goaltrack.interfaces import Check, Finding


class FlagListed(Check):
    rule_id = "T001"
    severity = "info"
    description = "Flags the indicators named in the setting `flag` (a test double)."

    def run(self, conn, plan_id, settings):
        for code in settings.get("flag", ()):
            yield Finding(self.rule_id, self.severity, f"indicator {code} is flagged", "indicator", code)


@hookimpl
def register_checks(register):
    register(FlagListed())
