"""Time ORM operations and count their SQL queries, one transaction per run.

Every run starts from the committed data set. The variant's setup (rules,
automations) and the timed operation happen in a transaction that is rolled
back afterwards. The database is then vacuumed, because the rows a run wrote
and rolled back would otherwise stay in the tables and indexes and slow down
the runs after it. The record cache is emptied before the clock starts, as
for a new request.
"""

import statistics
import time
from contextlib import closing
from dataclasses import dataclass, field

import psycopg2

from odoo.sql_db import connection_info_for


@dataclass
class Variant:
    """One way of doing a job, for example "20 rules, none matches".

    ``prepare(env, size)`` creates what the variant needs and returns a state
    object; ``run(env, state)`` is the timed operation; ``verify(env, state)``
    raises ``AssertionError`` when the end state is wrong. ``cleanup(env)``
    runs after the rollback, to undo in-memory effects such as model patches.
    """

    key: str
    label: str
    prepare: object
    run: object
    verify: object
    cleanup: object = None
    # at most this many repetitions per size (None: as many as requested)
    max_repeats: int = None


@dataclass
class Sample:
    """Measurements of one variant at one size."""

    seconds: list = field(default_factory=list)
    # queries of the operation and env.flush_all()
    queries: list = field(default_factory=list)
    # the same, plus the precommit hooks (chatter tracking)
    total_queries: list = field(default_factory=list)

    @property
    def median(self):
        return statistics.median(self.seconds)

    @property
    def minimum(self):
        return min(self.seconds)

    @property
    def maximum(self):
        return max(self.seconds)

    @property
    def query_range(self):
        return min(self.queries), max(self.queries)

    @property
    def total_query_range(self):
        return min(self.total_queries), max(self.total_queries)


def run_precommit(env):
    """Run the precommit hooks (chatter tracking) and write what they leave."""
    env.cr.flush()
    env.flush_all()


def vacuum(env):
    """Run VACUUM ANALYZE on the database of ``env``, outside any transaction."""
    _, info = connection_info_for(env.cr.dbname)
    with closing(psycopg2.connect(**info)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def run_once(env, variant, size, check=True, profiler=None):
    """Run ``variant`` once at ``size`` in a transaction that is rolled back.

    :return: (seconds, queries up to ``env.flush_all()``, queries with the
        precommit hooks); the time includes the precommit hooks
    """
    cr = env.cr
    cr.rollback()
    vacuum(env)
    env.invalidate_all()
    try:
        state = variant.prepare(env, size)
        env.flush_all()
        run_precommit(env)
        env.invalidate_all()

        queries_before = cr.sql_log_count
        if profiler is not None:
            profiler.start()
        started = time.perf_counter()
        variant.run(env, state)
        env.flush_all()
        queries = cr.sql_log_count - queries_before
        run_precommit(env)
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.stop()
        total_queries = cr.sql_log_count - queries_before

        if check:
            env.invalidate_all()
            variant.verify(env, state)
    finally:
        # the rollback also clears the record cache and the commit hooks,
        # which still contain the undone values
        cr.rollback()
        if variant.cleanup is not None:
            variant.cleanup(env)
    return seconds, queries, total_queries


def measure(env, variants, size, repeats, log):
    """Run each variant ``repeats`` times at ``size``, rotating their order.

    Rotating the order from one repetition to the next spreads the drift of
    the machine (caches, other jobs) over all variants. Every run is checked
    with the variant's ``verify``. A variant with ``max_repeats`` stops
    after that many repetitions.

    :return: {variant key: Sample}
    """
    samples = {variant.key: Sample() for variant in variants}
    for repetition in range(repeats):
        shift = repetition % len(variants)
        order = variants[shift:] + variants[:shift]
        for variant in order:
            sample = samples[variant.key]
            if variant.max_repeats and len(sample.seconds) >= variant.max_repeats:
                continue
            seconds, queries, total_queries = run_once(env, variant, size)
            sample.seconds.append(seconds)
            sample.queries.append(queries)
            sample.total_queries.append(total_queries)
            log(
                f"    {variant.label}, N={size}, repetition {repetition + 1}/{repeats}: "
                f"{seconds:.3f} s, {queries} queries ({total_queries} with precommit hooks)"
            )
    return samples
