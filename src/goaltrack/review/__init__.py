"""Review: nothing reaches a report before an approver has accepted it (issue 14).

Where a plan says ``review: required``, a recorded value, an initiative status or an import
becomes a *review entry* instead of a current value. An entry moves

    draft -> submitted -> approved
                       -> returned (with a reason) -> draft (revised) -> submitted ...
    draft | submitted | returned -> withdrawn

and each move is an append-only ``review_event`` (who, when, from, to, reason). Revising a
draft or returned entry adds a new revision of what it proposes and keeps the old ones, so
nothing is lost between a return and a resubmission. Approving writes the latest revision
as ordinary measurements or statuses, through the same code as recording without review.

- :mod:`goaltrack.review.entries`: creating and revising entries,
- :mod:`goaltrack.review.transitions`: submit, withdraw, approve, return,
- :mod:`goaltrack.review.queue`: what waits for whom, and what an entry changes.
"""
