#!/usr/bin/env python3
"""Extract the uncompressed ELF vmlinux from an x86 bzImage compressed with xz
(Debian's kernels): QEMU boots it through the PVH entry, faster than the bzImage."""
import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def extract(bzimage: bytes) -> bytes:
    start = bzimage.find(XZ_MAGIC)
    while start >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(bzimage[start:])
        except lzma.LZMAError:
            out = b""
        if out.startswith(b"\x7fELF"):
            return out
        start = bzimage.find(XZ_MAGIC, start + 1)
    raise ValueError("no xz-compressed ELF payload found (not an xz bzImage?)")


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: extract-vmlinux.py BZIMAGE OUT", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], "rb") as f:
            vmlinux = extract(f.read())
    except (OSError, ValueError) as err:
        print(f"extract-vmlinux: {sys.argv[1]}: {err}", file=sys.stderr)
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(vmlinux)
    return 0


if __name__ == "__main__":
    sys.exit(main())
