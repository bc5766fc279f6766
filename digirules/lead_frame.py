"""Bookkeeping of opportunity changes within one outermost ORM operation.

Odoo reaches "lost", "won" and "restored" through several ``write`` calls
(Odoo 18.0: ``action_set_lost`` archives, then zeroes the probability, then
writes the lost reason). Rules must judge the net change, so every crm.lead
operation that may change a stage or a status records the values it started
from, and only the outermost operation turns the differences into events.

The frame lives beside the database cursor, not in ``cr.precommit.data``:
Odoo empties that dict at every flushing savepoint, and rules run their
actions inside savepoints.
"""

import weakref

_frames = weakref.WeakKeyDictionary()


class LeadFrame:
    """Pending opportunity changes of one cursor."""

    __slots__ = ("depth", "queue", "running", "snapshots")

    def __init__(self):
        # nesting level of crm.lead operations in progress
        self.depth = 0
        # True while the rule engine applies actions: their changes are
        # collected here and read back by the engine, level by level
        self.running = False
        # events waiting for the running engine
        self.queue = []
        # lead id -> (stage id, status) before the first change
        self.snapshots = {}

    def take_snapshots(self):
        """Return the recorded values and start a new record."""
        snapshots, self.snapshots = self.snapshots, {}
        return snapshots


def get_frame(cr):
    """Return the frame of ``cr``, creating it on first use."""
    frame = _frames.get(cr)
    if frame is None:
        frame = _frames[cr] = LeadFrame()
    return frame
