"""Primary keys: UUID version 7 (time-ordered, opaque, unguessable across organisations)."""

import uuid
from typing import TypeAlias

import uuid6


def uuid7() -> uuid.UUID:
    """A new UUIDv7 as a plain ``uuid.UUID`` (Python 3.11 has no uuid.uuid7 yet)."""
    return uuid.UUID(int=uuid6.uuid7().int)


# What services accept as a record id: a UUID, or its string form from a URL or a form.
RecordId: TypeAlias = uuid.UUID | str


def uuid7_many(count: int) -> list[uuid.UUID]:
    """``count`` new UUIDv7s at once, for bulk writers (an import of 100,000 rows): the
    current millisecond and 74 random bits each, with the version and variant bits set.
    Several times faster than ``count`` calls of ``uuid7``, and it does not push the
    timestamp one millisecond forward per id as uuid6.uuid7 does within one millisecond."""
    import os
    import time

    timestamp = (time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF
    prefix = (timestamp << 80) | (0x7 << 76) | (0b10 << 62)
    noise = memoryview(os.urandom(10 * count))
    ids = []
    for start in range(0, 10 * count, 10):
        bits = int.from_bytes(noise[start : start + 10], "big")
        # 12 bits of rand_a (bits 64-75) and 62 of rand_b (bits 0-61)
        ids.append(uuid.UUID(int=prefix | ((bits >> 62) & 0xFFF) << 64 | (bits & _RAND_B)))
    return ids


_RAND_B = (1 << 62) - 1
