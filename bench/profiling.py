"""Hot spots of one profiled run, from a pyinstrument session."""

import os
from dataclasses import dataclass

from measure import run_once
from pyinstrument import Profiler

# pyinstrument samples the stack at this interval, in seconds.
SAMPLE_INTERVAL = 0.001
TOP_COUNT = 12


@dataclass
class HotSpot:
    """A function and the time the profiled run spent in it."""

    name: str
    seconds: float
    share: float


@dataclass
class Profile:
    """Hot spots of one run of a variant."""

    variant_label: str
    size: int
    total_seconds: float
    project_inclusive: list
    self_time: list


def profile_variant(env, variant, size, addon_dir, source_roots):
    """Run ``variant`` once under pyinstrument and return its hot spots.

    ``project_inclusive`` lists the functions of the addon (files under
    ``addon_dir``) by time including their callees; ``self_time`` lists all
    functions by the time spent in their own code. File paths are shown
    relative to the first of ``source_roots`` that contains them.
    """
    profiler = Profiler(interval=SAMPLE_INTERVAL)
    run_once(env, variant, size, check=False, profiler=profiler)
    root = profiler.last_session.root_frame()
    total = root.time if root else 0.0
    inclusive, own = {}, {}
    if root:
        _walk(root, set(), inclusive, own)
    addon_prefix = os.path.join(addon_dir, "")
    project = {
        name: seconds
        for name, seconds in inclusive.items()
        if name.startswith(addon_prefix)
    }
    return Profile(
        variant_label=variant.label,
        size=size,
        total_seconds=total,
        project_inclusive=_top(project, total, source_roots),
        self_time=_top(own, total, source_roots),
    )


def _frame_name(frame):
    return f"{frame.file_path or '?'}:{frame.function or '?'}"


def _walk(frame, open_names, inclusive, own):
    """Add up the time of each function, counting recursive calls once."""
    name = _frame_name(frame)
    if name not in open_names:
        inclusive[name] = inclusive.get(name, 0.0) + frame.time
    if not frame.is_synthetic:
        own[name] = own.get(name, 0.0) + frame.total_self_time
    open_names = open_names | {name}
    for child in frame.children:
        _walk(child, open_names, inclusive, own)


def _top(times, total, source_roots):
    ranked = sorted(times.items(), key=lambda item: item[1], reverse=True)[:TOP_COUNT]
    return [
        HotSpot(
            _short_name(name, source_roots), seconds, seconds / total if total else 0.0
        )
        for name, seconds in ranked
    ]


def _short_name(name, source_roots):
    for root in source_roots:
        prefix = os.path.join(root, "")
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
