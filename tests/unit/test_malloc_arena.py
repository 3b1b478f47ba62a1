"""The workbench asks glibc for one malloc arena shared by its threads (Linux), and nothing elsewhere."""

from __future__ import annotations

import ctypes
import sys

from planner_tui import factory


class FakeLibc:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append((option, value))
        return 1


def test_on_linux_the_arena_limit_is_set_to_one(monkeypatch):
    calls: list = []
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: FakeLibc(calls))
    assert factory._one_malloc_arena()
    assert calls == [(-8, 1)]  # M_ARENA_MAX, 1


def test_elsewhere_or_without_mallopt_nothing_is_asked_and_nothing_fails(monkeypatch):
    calls: list = []
    monkeypatch.setattr(ctypes, "CDLL", lambda name: FakeLibc(calls))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not factory._one_malloc_arena()
    assert calls == []
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a libc without mallopt (musl)
    assert not factory._one_malloc_arena()


def test_glibc_here_takes_the_setting():
    import platform

    if platform.libc_ver()[0] != "glibc":
        import pytest

        pytest.skip("not glibc")
    assert factory._one_malloc_arena()
