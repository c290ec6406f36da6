from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class BlockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    start: int
    end: int


class BlockList(BaseModel):
    items: list[BlockOut]
    total: int


class FreeExtensions(BaseModel):
    items: list[str]
