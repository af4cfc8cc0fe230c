"""Rewriting one module's source in a VBA project (``xl/vbaProject.bin``), as MS-OVBA says a writer does.

The template keeps xlwings' quickstart VBA project and changes only ``Module1``'s ``SampleCall``, so the Refresh
button runs a fixed, installed module instead of one named after the workbook file. VBA keeps each module's
source compressed (MS-OVBA 2.4.1) after a compiled cache; a writer stores the source alone (``MODULEOFFSET`` 0)
and marks the project's cache unusable (``_VBA_PROJECT`` version 0xFFFF, MS-OVBA 2.3.4.1), so Excel compiles the
modules from their source when it opens the workbook. The project is a compound file (MS-CFB), read with
olefile and written again here (version 3, every stream below 4096 bytes in the mini stream).
"""

from __future__ import annotations

import io
import math
import struct

import olefile

from ..errors import RenderError

_CHUNK = 4096
_ENDOFCHAIN, _FREESECT, _FATSECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


# -- MS-OVBA 2.4.1: the compression of source code and the dir stream ---------------------------------------


def _copy_token_bits(difference: int) -> int:
    return max(math.ceil(math.log2(difference)), 4) if difference > 1 else 4


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 1:
        raise RenderError("vbaProject.bin", "a compressed VBA container must start with 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size, compressed = (header & 0x0FFF) + 3, bool(header & 0x8000)
        end, pos = min(pos + size, len(data)), pos + 2
        start = len(out)
        if not compressed:
            out += data[pos:pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _copy_token_bits(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos = 0
    while pos < len(chunk):
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if pos >= len(chunk):
                break
            bits = _copy_token_bits(pos)
            max_length = (0xFFFF >> bits) + 3
            best_length, best_offset = 0, 0
            for candidate in range(pos - 1, max(pos - (1 << bits), 0) - 1, -1):
                length = 0
                while (pos + length < len(chunk) and length < max_length
                       and chunk[candidate + length] == chunk[pos + length]):
                    length += 1
                if length > best_length:
                    best_length, best_offset = length, pos - candidate
            if best_length >= 3:
                flags |= 1 << bit
                tokens += struct.pack("<H", ((best_offset - 1) << (16 - bits)) | (best_length - 3))
                pos += best_length
            else:
                tokens.append(chunk[pos])
                pos += 1
        body.append(flags)
        body += tokens
    if len(body) > _CHUNK:  # incompressible: a raw chunk of 4096 bytes (MS-OVBA 2.4.1.3.10, padded)
        return struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk.ljust(_CHUNK, b"\0")
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)


def compress(data: bytes) -> bytes:
    return b"\x01" + b"".join(_compress_chunk(data[i:i + _CHUNK]) for i in range(0, len(data), _CHUNK))


# -- the dir stream: where each module's source starts ------------------------------------------------------


def _records(dir_stream: bytes) -> list[tuple[int, int, int]]:
    """``(id, start of its data, size)`` for every record of a decompressed dir stream."""
    found, pos = [], 0
    while pos + 6 <= len(dir_stream):
        ident, size = struct.unpack_from("<HI", dir_stream, pos)
        if ident == 0x0009:  # PROJECTVERSION: its Size field is 4 but 6 bytes follow
            size = 6
        found.append((ident, pos + 6, size))
        pos += 6 + size
    return found


def _module_offset_at(dir_stream: bytes, stream_name: str) -> int:
    """The byte position of ``stream_name``'s MODULEOFFSET value in the decompressed dir stream."""
    current = None
    for ident, start, size in _records(dir_stream):
        if ident == 0x001A:  # MODULESTREAMNAME (MBCS)
            current = dir_stream[start:start + size].decode("latin-1")
        elif ident == 0x0031 and current == stream_name:
            return start
    raise RenderError("vbaProject.bin", f"the VBA project has no module stream {stream_name!r}")


def _code_page(dir_stream: bytes) -> str:
    for ident, start, _size in _records(dir_stream):
        if ident == 0x0003:  # PROJECTCODEPAGE
            return f"cp{struct.unpack_from('<H', dir_stream, start)[0]}"
    return "cp1252"


# -- the compound file ---------------------------------------------------------------------------------------


def read_streams(project: bytes) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Every stream (by ``"VBA/dir"``-style path) and every storage's CLSID (root: ``""``)."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(project))
    except OSError as exc:
        raise RenderError("vbaProject.bin", f"not a compound file: {exc}") from exc
    with ole:
        streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir(streams=True, storages=False)}
        storages = {"": _clsid_bytes(ole.root.clsid)}
        for path in ole.listdir(streams=False, storages=True):
            storages["/".join(path)] = _clsid_bytes(ole.getclsid(path))
    return streams, storages


def _clsid_bytes(text: str) -> bytes:
    if not text:
        return bytes(16)
    import uuid

    return uuid.UUID(text).bytes_le


def _key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())  # MS-CFB 2.6.4: shorter names first, then upper-cased code points


def write_compound(streams: dict[str, bytes], storages: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` (paths ``"A/B"``) in storages with the given CLSIDs."""
    names = sorted({*storages, *streams} - {""}, key=lambda p: (p.count("/"), p))
    entries = [{"name": "Root Entry", "path": "", "type": 5}]
    entries += [{"name": p.rsplit("/", 1)[-1], "path": p, "type": 2 if p in streams else 1} for p in names]
    index = {str(e["path"]): i for i, e in enumerate(entries)}
    mini = bytearray()
    minifat: list[int] = []
    big: list[tuple[int, bytes]] = []
    for i, entry in enumerate(entries):
        entry.update(start=_ENDOFCHAIN, size=0)
        data = streams.get(str(entry["path"]))
        if data is None or not data:
            continue
        entry["size"] = len(data)
        if len(data) < _CUTOFF:
            first, count = len(minifat), math.ceil(len(data) / _MINI)
            minifat += [*range(first + 1, first + count), _ENDOFCHAIN]
            mini += data.ljust(count * _MINI, b"\0")
            entry["start"] = first
        else:
            big.append((i, data))
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(data: bytes) -> int:
        first, count = len(sectors), max(1, math.ceil(len(data) / _SECTOR))
        for n in range(count):
            sectors.append(data[n * _SECTOR:(n + 1) * _SECTOR].ljust(_SECTOR, b"\0"))
        fat.extend([*range(first + 1, first + count), _ENDOFCHAIN])
        return first

    for i, data in big:
        entries[i]["start"] = chain(data)
    if mini:
        entries[0].update(start=chain(bytes(mini)), size=len(mini))
    minifat_start = chain(b"".join(struct.pack("<I", n) for n in minifat)) if minifat else _ENDOFCHAIN
    minifat_count = math.ceil(len(minifat) * 4 / _SECTOR)
    for entry in entries:
        entry.update(left=_NOSTREAM, right=_NOSTREAM, child=_NOSTREAM)
    for parent in [e for e in entries if e["type"] in (1, 5)]:
        children = sorted((e for e in entries if e is not parent and str(e["path"]).rpartition("/")[0]
                           == parent["path"]), key=lambda e: _key(str(e["name"])))
        parent["child"] = _balanced(children, index)
    directory = b"".join(_entry(e, storages.get(str(e["path"]), bytes(16))) for e in entries)
    directory = directory.ljust(math.ceil(len(directory) / _SECTOR) * _SECTOR, b"\0")
    directory_start = chain(directory)
    fat_count = 1
    while fat_count * (_SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise RenderError("vbaProject.bin", "the VBA project is too large for a header-only DIFAT")
    fat_sectors = list(range(len(sectors), len(sectors) + fat_count))
    fat += [_FATSECT] * fat_count
    fat += [_FREESECT] * (fat_count * (_SECTOR // 4) - len(fat))
    table = b"".join(struct.pack("<I", n) for n in fat)
    difat = fat_sectors + [_FREESECT] * (109 - fat_count)
    header = (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + bytes(16)
              + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, bytes(6), 0, fat_count, directory_start,
                            0, _CUTOFF, minifat_start, minifat_count, _ENDOFCHAIN, 0)
              + b"".join(struct.pack("<I", n) for n in difat))
    return header + b"".join(sectors) + table


def _balanced(children: list[dict[str, object]], index: dict[str, int]) -> int:
    """Link ``children`` (sorted) as a balanced binary tree through their sibling fields; the root's index.
    Every node is black, as Apache POI writes them (a valid red-black tree for a perfectly balanced one)."""
    if not children:
        return _NOSTREAM
    middle = len(children) // 2
    node = children[middle]
    node["left"] = _balanced(children[:middle], index)
    node["right"] = _balanced(children[middle + 1:], index)
    return index[str(node["path"])]


def _entry(entry: dict[str, object], clsid: bytes) -> bytes:
    name = str(entry["name"]).encode("utf-16-le")
    if len(name) > 62:
        raise RenderError("vbaProject.bin", f"stream name {entry['name']!r} is too long for a compound file")
    return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name) + 2, int(str(entry["type"])), 1)
            + struct.pack("<III", entry["left"], entry["right"], entry["child"])
            + (clsid if entry["type"] != 2 else bytes(16)) + bytes(4) + bytes(16)
            + struct.pack("<IQ", entry["start"], entry["size"]))


# -- the one operation the template needs ----------------------------------------------------------------


def module_source(project: bytes, module: str) -> str:
    streams, _ = read_streams(project)
    dir_stream = decompress(streams["VBA/dir"])
    at = _module_offset_at(dir_stream, module)
    offset = struct.unpack_from("<I", dir_stream, at)[0]
    return decompress(streams[f"VBA/{module}"][offset:]).decode(_code_page(dir_stream))


def replace_module_source(project: bytes, module: str, source: str) -> bytes:
    """``project`` with ``module``'s source replaced (its compiled cache dropped, to be rebuilt by Excel)."""
    streams, storages = read_streams(project)
    if f"VBA/{module}" not in streams:
        raise RenderError("vbaProject.bin", f"the VBA project has no module {module!r}")
    dir_stream = bytearray(decompress(streams["VBA/dir"]))
    at = _module_offset_at(bytes(dir_stream), module)
    dir_stream[at:at + 4] = struct.pack("<I", 0)
    text = source.replace("\r\n", "\n").replace("\n", "\r\n")
    streams[f"VBA/{module}"] = compress(text.encode(_code_page(bytes(dir_stream))))
    streams["VBA/dir"] = compress(bytes(dir_stream))
    streams["VBA/_VBA_PROJECT"] = b"\xCC\x61\xFF\xFF\x00\x00\x00"
    return write_compound(streams, storages)


__all__ = ["compress", "decompress", "module_source", "replace_module_source", "write_compound"]
