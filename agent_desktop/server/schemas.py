"""Request-model building blocks shared by the routers: strict bodies and reference ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"
Ref = Annotated[str, Field(min_length=1, max_length=128, pattern=REF_PATTERN)]
PathRef = Annotated[str, Path(min_length=1, max_length=128, pattern=REF_PATTERN)]


class Strict(BaseModel):
    """Unknown fields are refused (400): nothing travels that the protocol did not name."""

    model_config = ConfigDict(extra="forbid")
