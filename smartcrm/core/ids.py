"""Primary keys: UUID version 7 (time-ordered, opaque, unguessable across organisations)."""

import uuid
from typing import TypeAlias

import uuid6


def uuid7() -> uuid.UUID:
    """A new UUIDv7 as a plain ``uuid.UUID`` (Python 3.11 has no uuid.uuid7 yet)."""
    return uuid.UUID(int=uuid6.uuid7().int)


# What services accept as a record id: a UUID, or its string form from a URL or a form.
RecordId: TypeAlias = uuid.UUID | str
