"""Run one piece of rule work so that its failure undoes only itself."""

import logging

from psycopg2 import OperationalError

from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

_logger = logging.getLogger(__name__)


def try_in_savepoint(env, operation, *args):
    """Call ``operation(*args)`` in a savepoint; return the exception it raised, or None.

    Odoo's default (flushing) savepoint runs the precommit hooks, which would
    post the chatter tracking of every opportunity once per action instead of
    once at commit. This one writes the pending ORM changes first, and on
    failure rolls back and drops the cache that still contains the undone values.
    Concurrency errors are raised, so that Odoo retries the whole request.
    """
    env.flush_all()
    try:
        with env.cr.savepoint(flush=False):
            operation(*args)
            env.flush_all()
    except OperationalError as error:
        if error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
            raise
        env.clear()
        return error
    except Exception as error:  # noqa: BLE001 - rule failures are logged by the caller
        env.clear()
        return error
    return None
