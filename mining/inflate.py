"""Decompressing a ``.gz`` log with a ceiling: a gzip bomb is refused after at most the limit, never inflated whole.

The stream is inflated piece by piece (`zlib.decompressobj.decompress` with ``max_length``), so memory never holds
more than `mining.limits.MAX_INFLATED_MB` (plus one piece) however well the file compresses.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from mining.errors import EventLogError
from mining.limits import MAX_INFLATED_MB, MEGABYTE

_READ = 1 << 20
_PIECE = 1 << 22


def read_gzip(path: Path) -> bytearray:
    """The decompressed content of a gzip file (every member, as `gzip` reads them), at most the inflate limit.

    Raises:
        EventLogError: the file inflates past `MAX_INFLATED_MB` (the message names the limit and its variable), or
            its stream is corrupt or truncated (with the line reached).
    """
    limit_mb = MAX_INFLATED_MB.value()
    ceiling = limit_mb * MEGABYTE
    data = bytearray()
    decompressor = zlib.decompressobj(wbits=31)
    member_open = False

    def take(piece: bytes) -> None:
        if len(data) + len(piece) > ceiling:
            raise EventLogError(
                f"{path.name}: " + MAX_INFLATED_MB.refusal(f"inflates to more than {limit_mb:,} MB "
                                                           f"({path.stat().st_size:,} bytes compressed)")
            )
        data.extend(piece)

    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_READ):
                while chunk:
                    member_open = True
                    take(decompressor.decompress(chunk, _PIECE))
                    while decompressor.unconsumed_tail:
                        take(decompressor.decompress(decompressor.unconsumed_tail, _PIECE))
                    if not decompressor.eof:
                        break
                    member_open = False
                    chunk = decompressor.unused_data  # a further gzip member follows
                    decompressor = zlib.decompressobj(wbits=31)
    except zlib.error as exc:
        line = data.count(b"\n") + 1
        raise EventLogError(f"{path.name}: truncated/corrupt gzip or XML at line {line} ({exc})") from exc
    except OSError as exc:
        raise EventLogError(f"{path.name}: cannot read the file ({exc})") from exc
    if member_open or not data:
        line = data.count(b"\n") + 1
        raise EventLogError(
            f"{path.name}: truncated/corrupt gzip or XML at line {line} "
            f"(the compressed stream ends before its end marker)"
        )
    return data


__all__ = ["read_gzip"]
