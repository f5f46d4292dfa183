"""The digests sitegen records of files: this version's, and an older one's still read."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sitegen.digests import file_digest, has_digest


def _older(data: bytes) -> str:
    """The digest an older sitegen recorded (BLAKE2b, 16 bytes, in hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@given(st.binary(max_size=4096))
def test_bytes_have_their_own_digest_and_an_older_sitegens(data: bytes) -> None:
    assert has_digest(data, file_digest(data))
    assert has_digest(data, _older(data))


@given(st.binary(max_size=4096), st.binary(max_size=4096))
def test_other_bytes_do_not_have_the_digest(data: bytes, other: bytes) -> None:
    if data != other:
        assert not has_digest(other, file_digest(data))
        assert not has_digest(other, _older(data))
        assert file_digest(other) != file_digest(data)


def test_a_digest_never_looks_like_an_older_one() -> None:
    # (How has_digest tells them apart: an older digest is 32 hex digits.)
    for data in (b"", b"<html>", "é".encode() * 1000):
        new = file_digest(data)
        assert len(new) == 33 and not new.startswith(tuple("0123456789abcdef"))
    assert not has_digest(b"x", "") and not has_digest(b"", "x")


def test_the_digest_is_the_recorded_format() -> None:
    # Manifests on users' disks hold these: a change of hash or format must be deliberate
    # (and read older digests, as has_digest does BLAKE2b's).
    assert file_digest(b"") == "x99aa06d3014798d86001c324468d497f"  # XXH3-128 of nothing
    assert file_digest(b"sitegen") == "x9df3760716433934797721ed9ba0c82b"
