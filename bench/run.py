"""Benchmark of the digirules rule engine inside Odoo (make bench).

Builds the data set in an existing database where digirules and
base_automation are installed, measures every series in one run and writes
docs/benchmarks.md and docs/benchmarks.png. Run it through scripts/bench.sh,
which creates and drops the database.
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass, field

import profiling
import report
import scenarios
from measure import measure

import odoo
from odoo.modules.registry import Registry

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Comparison:
    """A ratio of two medians measured in the same run, and its goal."""

    title: str
    series: str
    numerator: str
    denominator: str
    goal: str
    # "max": the ratio must not exceed limit; "min": it must reach it
    bound: str
    limit: float
    # variant profiled when the goal is missed
    profiled: str
    ratios: dict = field(default_factory=dict)

    def is_met(self, ratio):
        return ratio <= self.limit if self.bound == "max" else ratio >= self.limit


@dataclass
class Results:
    """Everything the report needs, filled in by ``run_benchmark``."""

    args: argparse.Namespace
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    comparisons: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    repeats: dict = field(default_factory=dict)
    postgresql_version: str = ""
    setup_seconds: float = 0.0
    measure_seconds: float = 0.0
    load_at_end: tuple = ()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="Odoo configuration file")
    parser.add_argument(
        "--database",
        required=True,
        help="database with digirules and base_automation installed",
    )
    parser.add_argument(
        "--logfile", help="file for Odoo's log (default: standard error)"
    )
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="numbers of opportunities N of the timed series, comma-separated",
    )
    parser.add_argument(
        "--count-sizes",
        default="10,1000",
        help="two values of N at which the SQL queries are counted",
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="repetitions of each timed figure"
    )
    parser.add_argument(
        "--large-repeats",
        type=int,
        default=3,
        help="repetitions at N of 10,000 and more",
    )
    parser.add_argument(
        "--invoices",
        type=int,
        default=500,
        help="invoices paid by the timed grouped payment",
    )
    parser.add_argument(
        "--automation-max-size",
        type=int,
        default=1000,
        help="largest N at which the base_automation variant is timed",
    )
    parser.add_argument(
        "--large-series",
        default="non_matching,cascade",
        help="series timed at N of 10,000 and more, comma-separated "
        "(non_matching, cascade)",
    )
    parser.add_argument(
        "--automation-repeats",
        type=int,
        default=1,
        help="repetitions of the base_automation variant",
    )
    parser.add_argument(
        "--output-dir",
        default=os.path.join(PROJECT_DIR, "docs"),
        help="folder of benchmarks.md and benchmarks.png",
    )
    parser.add_argument(
        "--load-before",
        default="",
        help="load averages (1, 5, 15 min) read before the run started",
    )
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    args.large_series = [key for key in args.large_series.split(",") if key]
    args.count_sizes = sorted(int(size) for size in args.count_sizes.split(","))
    if len(args.count_sizes) != 2:
        parser.error("--count-sizes needs exactly two values, for example 10,1000")
    return args


def log(message):
    print(message, flush=True)


def repeats_for(args, size):
    return args.large_repeats if size >= 10000 else args.repeats


def run_benchmark(env, args):
    results = Results(args=args)
    cr = env.cr
    cr.execute("SHOW server_version")
    results.postgresql_version = cr.fetchone()[0]

    started = time.perf_counter()
    pipeline_size = max(args.sizes + args.count_sizes)
    invoice_count = max(args.invoices, *args.count_sizes)
    log(
        f"==> Building the data set: {pipeline_size} opportunities, {invoice_count} invoices"
    )
    data = scenarios.build_data_set(env, pipeline_size, invoice_count, log)
    # fresh planner statistics, as on a database in use
    cr.execute("ANALYZE")
    cr.commit()
    results.setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    groups = {
        "non_matching": scenarios.non_matching_variants(data),
        "cascade": scenarios.cascade_variants(data, args.automation_repeats),
        "invoice_paid": scenarios.invoice_paid_variants(data),
    }
    for key, variants in groups.items():
        results.labels[key] = {variant.key: variant.label for variant in variants}

    small, large = args.count_sizes
    for key, variants in groups.items():
        # without base_automation: its query count is not a goal
        counted = [variant for variant in variants if variant.key != "base_automation"]
        log(f"==> {key}: warm-up and query counts at N={small}")
        measure(env, counted, small, 1, log)
        results.counts.setdefault(key, {})[small] = measure(env, counted, small, 2, log)

        timed_sizes = [args.invoices] if key == "invoice_paid" else args.sizes
        for size in timed_sizes:
            if size >= 10000 and key not in args.large_series:
                continue
            selected = [
                variant
                for variant in variants
                if variant.key != "base_automation" or size <= args.automation_max_size
            ]
            repeats = repeats_for(args, size)
            results.repeats[(key, size)] = repeats
            log(f"==> {key}: timing at N={size}, {repeats} repetitions")
            samples = measure(env, selected, size, repeats, log)
            results.timings.setdefault(key, {})[size] = samples
            if size == large:
                results.counts[key][large] = {
                    variant_key: sample
                    for variant_key, sample in samples.items()
                    if variant_key != "base_automation"
                }
        if large not in results.counts[key]:
            log(f"==> {key}: query counts at N={large}")
            results.counts[key][large] = measure(env, counted, large, 1, log)

    results.comparisons = compare(results)
    results.profiles = profile_missed_goals(env, results, groups)
    results.measure_seconds = time.perf_counter() - started
    results.load_at_end = os.getloadavg()
    return results


def compare(results):
    comparisons = [
        Comparison(
            "20 rules, none matches, against no active rule",
            "non_matching",
            "non_matching",
            "no_rule",
            "≤ 1.03",
            "max",
            1.03,
            "non_matching",
        ),
        Comparison(
            "digirules cascade against the same end state by hand",
            "cascade",
            "digirules",
            "by_hand",
            "≤ 1.3",
            "max",
            1.3,
            "digirules",
        ),
        Comparison(
            "base_automation against digirules, same cascade",
            "cascade",
            "base_automation",
            "digirules",
            "≥ 3",
            "min",
            3.0,
            "digirules",
        ),
        Comparison(
            "Grouped payment with an “invoice paid” rule against no rule",
            "invoice_paid",
            "invoice_paid",
            "no_rule",
            "≤ 1.10",
            "max",
            1.10,
            "invoice_paid",
        ),
    ]
    for comparison in comparisons:
        for size, samples in results.timings[comparison.series].items():
            if comparison.numerator in samples and comparison.denominator in samples:
                comparison.ratios[size] = (
                    samples[comparison.numerator].median
                    / samples[comparison.denominator].median
                )
    return comparisons


def profile_missed_goals(env, results, groups):
    """Profile the digirules side of each missed goal once, at its smallest missed N."""
    profiles = []
    source_roots = [
        PROJECT_DIR,
        os.path.dirname(os.path.dirname(odoo.__file__)),
        *sys.path,
    ]
    done = set()
    for comparison in results.comparisons:
        missed = sorted(
            size
            for size, ratio in comparison.ratios.items()
            if not comparison.is_met(ratio)
        )
        if not missed:
            continue
        key = (comparison.series, comparison.profiled, missed[0])
        if key in done:
            continue
        done.add(key)
        variant = next(
            variant
            for variant in groups[comparison.series]
            if variant.key == comparison.profiled
        )
        log(
            f"==> Profiling {variant.label} at N={missed[0]} (goal missed: {comparison.title})"
        )
        profiles.append(
            profiling.profile_variant(
                env,
                variant,
                missed[0],
                addon_dir=os.path.join(PROJECT_DIR, "digirules"),
                source_roots=source_roots,
            )
        )
    return profiles


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    odoo_args = ["-c", args.config, "-d", args.database]
    if args.logfile:
        odoo_args.append(f"--logfile={args.logfile}")
    odoo.tools.config.parse_config(odoo_args)

    started = time.perf_counter()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        results = run_benchmark(env, args)
        # the measured runs were rolled back; nothing is left to keep
        cr.rollback()
    elapsed = time.perf_counter() - started

    report.write(results, args.output_dir, elapsed, PROJECT_DIR)
    log(
        f"==> Wrote {os.path.join(args.output_dir, 'benchmarks.md')} in {elapsed:.0f} s"
    )
    failed = [
        comparison.title
        for comparison in results.comparisons
        for ratio in comparison.ratios.values()
        if not comparison.is_met(ratio)
    ]
    if failed:
        log("==> Goals missed: " + "; ".join(sorted(set(failed))))


if __name__ == "__main__":
    main()
