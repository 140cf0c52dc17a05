"""Re-registration delays: exponential from a short first retry, capped, with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """2 s, 4 s, 8 s ... up to ``maximum``, each spread by +-``jitter`` so a fleet of
    desktops does not hammer a registrar that just came back all in the same second."""

    def __init__(self, maximum: float, first: float = 2.0, factor: float = 2.0,
                 jitter: float = 0.2, rand: Callable[[], float] = random.random) -> None:
        self.maximum = max(first, maximum)
        self.first = first
        self.factor = factor
        self.jitter = jitter
        self._rand = rand
        self.attempts = 0

    def next_delay(self) -> float:
        base = min(self.maximum, self.first * self.factor ** self.attempts)
        self.attempts += 1
        spread = base * self.jitter * (2 * self._rand() - 1)
        return max(0.5, min(self.maximum * (1 + self.jitter), base + spread))

    def reset(self) -> None:
        self.attempts = 0
