"""The hash sitegen records of a file's bytes: content files in the build cache, the site's
files in the output's manifest (what sitegen wrote, so what it may replace or delete).

XXH3-128: it tells whether bytes changed, many times faster than a cryptographic hash (a
10,000-article site is 250 MB to hash: ~0.25 CPU s with BLAKE2b, ~0.02 s with XXH3). It is
no security boundary: the manifest and the cache are the user's own files, and what a
collision could do is keep a file unwritten that the content's author chose."""

from __future__ import annotations

from hashlib import blake2b

from xxhash import xxh3_128_hexdigest

# An older sitegen's digests (BLAKE2b, 16 bytes) are 32 hex digits; these have a prefix, so
# a manifest or journal it left is still read right.
_PREFIX = "x"


def file_digest(data: bytes) -> str:
    """The digest recorded of ``data``."""
    return _PREFIX + xxh3_128_hexdigest(data)


def has_digest(data: bytes, digest: str) -> bool:
    """Whether ``data`` are the bytes recorded as ``digest``, by sitegen of any version."""
    if digest.startswith(_PREFIX):
        return file_digest(data) == digest
    return blake2b(data, digest_size=16).hexdigest() == digest
