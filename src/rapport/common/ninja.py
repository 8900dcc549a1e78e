"""Types shared by the apps' Ninja schemas and handlers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Ids are 64-bit in the database; a larger number must be a 422 naming the
# parameter, not an overflow deep in the driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[int | None, Field(ge=1, le=MAX_ID)]
