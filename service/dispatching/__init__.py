"""The dispatcher's loop between the stored state and the dispatch engine: the business rules.

The database holds the truth of the day. Every plan is made from it
(:func:`service.planning.build_dispatch_payload`) and every accepted plan changes it:

- a ticket moves along its lifecycle (:mod:`.lifecycle`); each change is written to the
  ticket's history (:mod:`.history`) with who made it and when;
- accepting a plan (:mod:`.accept`) makes its assignments the engineers' commitments
  (:mod:`.commitments`) and supersedes the earlier commitments of the same tickets (kept,
  marked ``superseded``); a plan made from a state that has changed since (:mod:`.staleness`)
  is refused (409 listing what changed); one engineer never holds two overlapping
  commitments, one ticket never two current ones;
- a manual assignment (:mod:`.manual`) is checked by :func:`optimizer.dispatch.validate_plan`
  against the engineer's stored day before anything is stored;
- an event (:mod:`.events`: a new urgent ticket, a sick engineer, an overrun, a car breakdown)
  is recorded, then a proposal that disturbs as little as possible (:mod:`.replan`) is made
  for the dispatcher to accept or reject (:mod:`.proposals`);
- the board (:mod:`.board`) shows the day; explanations (:mod:`.explain`) come with their
  suggested fix re-solved and checked.

Imports point one way: ``common`` ← ``history``/``commitments`` ← ``lifecycle`` ← ``manual``;
``staleness`` ← ``basis`` ← ``accept``/``proposals`` ← ``events``; ``replan`` is free of the
database. Routes stay thin: they parse, authorise and call these functions, which raise the
service's problems (422 naming the field and value, 404, 409).
"""

from service.dispatching.accept import (
    AcceptedItem,
    AcceptReport,
    accept_job,
    accept_plan,
    accept_roster,
    check_acceptable,
    reject_plan,
)
from service.dispatching.basis import PlanFromStore, plan_payload, store_basis
from service.dispatching.board import board, state_fingerprint, suggested_as_of
from service.dispatching.commitments import check_no_double_booking, close, current_of
from service.dispatching.common import (
    SYSTEM,
    Actor,
    DoubleBooking,
    StalePlan,
    engineer_row,
    now_local,
    ticket_row,
)
from service.dispatching.events import (
    AbsenceEvent,
    EventReport,
    OverrunEvent,
    UrgentTicketEvent,
    propose_after_event,
    record_absence_event,
    record_overrun,
    record_urgent_ticket,
)
from service.dispatching.explain import ExplanationChecked, explain_ticket
from service.dispatching.history import HistoryEntry, history, record, record_created
from service.dispatching.lifecycle import (
    StatusChange,
    StatusTarget,
    change_status,
    release_deleted,
    set_status_by_import,
    unassign,
)
from service.dispatching.manual import (
    AssignmentPublic,
    ManualAssignment,
    assign_manually,
    manual_check,
    pin,
)
from service.dispatching.proposals import Proposal, ProposalChange, Slot, proposal
from service.dispatching.replan import propose_plan
from service.dispatching.staleness import Change, what_changed

__all__ = [
    "SYSTEM",
    "AbsenceEvent",
    "AcceptReport",
    "AcceptedItem",
    "Actor",
    "AssignmentPublic",
    "Change",
    "DoubleBooking",
    "EventReport",
    "ExplanationChecked",
    "HistoryEntry",
    "ManualAssignment",
    "OverrunEvent",
    "PlanFromStore",
    "Proposal",
    "ProposalChange",
    "Slot",
    "StalePlan",
    "StatusChange",
    "StatusTarget",
    "UrgentTicketEvent",
    "accept_job",
    "accept_plan",
    "accept_roster",
    "assign_manually",
    "board",
    "change_status",
    "check_acceptable",
    "check_no_double_booking",
    "close",
    "current_of",
    "engineer_row",
    "explain_ticket",
    "history",
    "manual_check",
    "now_local",
    "pin",
    "plan_payload",
    "propose_after_event",
    "propose_plan",
    "proposal",
    "record",
    "record_absence_event",
    "record_created",
    "record_overrun",
    "record_urgent_ticket",
    "reject_plan",
    "release_deleted",
    "set_status_by_import",
    "state_fingerprint",
    "store_basis",
    "suggested_as_of",
    "ticket_row",
    "unassign",
    "what_changed",
]
