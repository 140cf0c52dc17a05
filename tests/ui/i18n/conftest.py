"""Spanish installed for one test, English again after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ui import i18n


@pytest.fixture
def spanish(qapp: QApplication) -> Iterator[i18n.Translation]:
    translation = i18n.Translation(qapp)
    translation.install("es")
    yield translation
    translation.install("en")
