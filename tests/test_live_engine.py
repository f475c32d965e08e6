"""A lexicon file changed on disk reaches the next check without a restart; a broken one never takes the service down."""

from __future__ import annotations

import os
import time
from dataclasses import replace

from reviewer.config import load_settings
from reviewer.engine.core import Engine
from reviewer.engine.live import LiveEngine, folder_version

HEADER = "term\tcategory\tgate\tseverity\tsuggestion\tnote\n"


def settings_with(folder):
    return replace(load_settings(), lexicon_dirs=(folder,), classifier_enabled=False)


def live(folder) -> LiveEngine:
    settings = settings_with(folder)
    return LiveEngine(lambda: Engine.from_settings(settings, classifier=False), lambda: folder_version(settings), every=0)


def write(path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stamp = time.time_ns() + 1_000_000_000  # a later modification time even on a coarse clock
    os.utime(path, ns=(stamp, stamp))


def categories(engine: LiveEngine, text: str) -> set[str]:
    return {f.category for f in engine().review(text, classify=False).findings}


def test_a_term_added_to_a_unit_folder_fires_on_the_next_check(tmp_path):
    engine = live(tmp_path)
    assert "typo" not in categories(engine, "请到示例路口办理")
    write(tmp_path / "unit.tsv", HEADER + "示例路口\ttypo\t\t\t示范路口\t本地地名\n")
    engine()  # this call sees the change and starts the rebuild; it is served by the old engine
    engine.wait()
    assert "typo" in categories(engine, "请到示例路口办理")
    assert engine.swaps == 1


def test_a_broken_file_keeps_the_old_engine_serving_and_says_why(tmp_path):
    write(tmp_path / "unit.tsv", HEADER + "示例路口\ttypo\t\t\t示范路口\t\n")
    engine = live(tmp_path)
    assert "typo" in categories(engine, "请到示例路口办理")
    write(tmp_path / "unit.tsv", HEADER + "坏行\tno_such_family\t\t\t\t\n")
    engine()
    engine.wait()
    assert "typo" in categories(engine, "请到示例路口办理")
    assert engine.error and "no_such_family" in engine.error


def test_nothing_is_rebuilt_while_the_files_stay_the_same(tmp_path):
    engine = live(tmp_path)
    first = engine()
    for _ in range(3):
        assert engine() is first
    assert engine.swaps == 0


def test_a_background_build_hands_the_interpreter_back_sooner_and_stops_collection():
    import gc
    import sys

    from reviewer.engine.live import BUILD_SWITCH_INTERVAL, background_build

    before = sys.getswitchinterval()
    with background_build(freeze=False):
        assert sys.getswitchinterval() == min(before, BUILD_SWITCH_INTERVAL)
        assert not gc.isenabled()
    assert sys.getswitchinterval() == before and gc.isenabled()


def test_overlapping_background_builds_restore_the_interpreter_when_the_last_one_ends():
    import gc
    import sys

    from reviewer.engine.live import background_build

    before = sys.getswitchinterval()
    first = background_build(freeze=False)
    first.__enter__()
    with background_build(freeze=False):
        pass
    assert sys.getswitchinterval() < before and not gc.isenabled()  # the first build still runs
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == before and gc.isenabled()


def test_a_builder_thread_runs_at_the_lowest_priority_and_leaves_the_others_theirs():
    import sys
    import threading

    import pytest

    from reviewer.engine.live import BUILDER_NICENESS, lower_this_thread

    if not sys.platform.startswith("linux"):
        pytest.skip("每个线程各有优先级只在 Linux 上成立 (per-thread priority is Linux only)")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def build() -> None:
        lower_this_thread()
        seen["builder"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    builder = threading.Thread(target=build)
    builder.start()
    builder.join()
    assert seen["builder"] == BUILDER_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
