"""The look: the style sheet sits on Fusion on every platform, whatever style the platform
would pick, both when the desktop makes its QApplication (Fusion chosen on Qt's command
line, which spares the first frame PySide's QStyle class) and for an application made
elsewhere (QApplication.setStyle)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHILD = """
import sys
from PySide6.QtWidgets import QApplication, QStyle, QStyleFactory
from ui.look import STYLE_ARGUMENTS, apply_style

made_here = sys.argv[1] == "made-here"
app = QApplication(["app", *STYLE_ARGUMENTS] if made_here else ["app"])
apply_style(app, fusion_chosen=made_here)
metrics = [QStyle.PixelMetric.PM_ScrollBarExtent, QStyle.PixelMetric.PM_DefaultFrameWidth,
           QStyle.PixelMetric.PM_IndicatorWidth]
fusion = QStyleFactory.create("Fusion")
print([app.style().pixelMetric(m) for m in metrics] == [fusion.pixelMetric(m) for m in metrics])
"""


@pytest.mark.parametrize("platform_style", ["fusion", "windows"])
@pytest.mark.parametrize("application", ["made-here", "made-elsewhere"])
def test_the_sheet_sits_on_fusion_whatever_the_platforms_default(platform_style: str, application: str) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_STYLE_OVERRIDE=platform_style)
    out = subprocess.run([sys.executable, "-c", CHILD, application], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.stdout.strip() == "True", out.stdout + out.stderr
