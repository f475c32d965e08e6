"""Inspection parts on a Dask cluster: the same parts as local processes, one task per part.

A part holds whole account histories (``run.part_of``), so tasks need nothing from each other and
the merged result equals the local one record for record. Every worker must read the input files
at the same path (a shared folder); when per-post results are asked for, parts write them to
``shared`` (also a folder every worker and the client can reach), or to the client's temporary
folder when the cluster runs on this machine. Each worker process loads its engine once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from reviewer.engine.core import Engine
from reviewer.inspection.accounts import Rules, Window
from reviewer.inspection.run import Part, Scope, inspect_part


def dask_parts(scheduler: str, *, parts: int | None = None, shared: Path | None = None) -> Callable[..., list[Part]]:
    """A ``run_parts`` for ``run.inspect`` that sends the parts to the Dask scheduler at ``scheduler``
    (``tcp://host:8786``); ``parts`` defaults to the number of workers the scheduler knows."""

    def run_parts(paths: list[Path], window: Window, engine: Engine, rules: Rules, scratch: str | None,
                  scope: Scope) -> list[Part]:
        from distributed import Client

        folder = str(shared) if shared is not None and scratch is not None else scratch
        with Client(scheduler, set_as_default=False) as client:
            count = parts or max(1, len(client.scheduler_info()["workers"]))
            futures = [client.submit(inspect_part, [Path(p).resolve() for p in paths], window, engine.settings, k, count,
                                     rules=rules, scope=scope, posts_file=os.path.join(folder, f"part-{k}.tsv") if folder else None,
                                     pure=False)
                       for k in range(count)]
            return client.gather(futures)

    return run_parts
