"""The static files storage of `liptako serve`: hashed names, gzip and brotli copies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

#: Brotli at its best level takes seconds per megabyte; files this large (the API docs' bundles,
#: read by developers only) get gzip alone, so `liptako serve` starts quickly.
BROTLI_MAX_BYTES = 512 * 1024


class _SizeAwareCompressor:
    def __init__(self, **options: Any) -> None:
        self.full = Compressor(**options)
        self.gzip_only = Compressor(use_brotli=False, **options)

    def should_compress(self, path: str) -> bool:
        return bool(self.full.should_compress(path))

    def compress(self, path: str) -> Iterator[str]:
        compressor = self.gzip_only if os.path.getsize(path) > BROTLI_MAX_BYTES else self.full
        yield from compressor.compress(path)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **options: Any) -> _SizeAwareCompressor:
        return _SizeAwareCompressor(**options)
