from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

from agent_desktop.bus import EventBus


@dataclass(frozen=True)
class Base:
    n: int


@dataclass(frozen=True)
class Child(Base):
    pass


def test_listeners_receive_events_of_their_type_and_subtypes() -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(Base, seen.append)
    bus.publish(Child(1))
    bus.publish(Base(2))
    bus.publish("not an event of interest")
    assert seen == [Child(1), Base(2)]


def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    seen: list[object] = []
    sub = bus.subscribe(Base, seen.append)
    bus.unsubscribe(sub)
    bus.publish(Base(1))
    assert seen == []


def test_bound_method_listeners_are_weak() -> None:
    bus = EventBus()

    class Window:
        def __init__(self) -> None:
            self.seen: list[object] = []

        def on(self, e: object) -> None:
            self.seen.append(e)

    w = Window()
    bus.subscribe(Base, w.on)
    bus.publish(Base(1))
    assert w.seen == [Base(1)]
    del w
    gc.collect()
    bus.publish(Base(2))
    assert bus.listener_count(Base) == 0


def test_a_failing_listener_does_not_stop_the_others() -> None:
    bus = EventBus()
    seen: list[object] = []

    def broken(e: object) -> None:
        raise RuntimeError("boom")

    bus.subscribe(Base, broken)
    bus.subscribe(Base, seen.append)
    bus.publish(Base(1))
    assert seen == [Base(1)]


def test_publish_from_many_threads_delivers_every_event() -> None:
    bus = EventBus()
    seen: list[int] = []
    lock = threading.Lock()

    def on(e: Base) -> None:
        with lock:
            seen.append(e.n)

    bus.subscribe(Base, on)
    threads = [threading.Thread(target=lambda k=k: [bus.publish(Base(k * 1000 + i)) for i in range(200)])
               for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted(k * 1000 + i for k in range(4) for i in range(200))
