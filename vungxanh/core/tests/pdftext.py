"""Read back the text, the pages and the filled rectangles of the PDFs fpdf2 writes
(posters, tube labels), without a PDF library: fpdf2 writes each font as a Type0 font with
a ToUnicode map (``beginbfchar``) and the text as 2-byte glyph codes in literal strings of
Flate-compressed page streams."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(?<![0-9])([0-9]+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n", re.S)
_LENGTH = re.compile(rb"/Length ([0-9]+)")
_RECT = re.compile(rb"(-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) re f\b")
_TOKEN = re.compile(rb"/(F[0-9]+) [0-9.]+ Tf|\(((?:\\.|[^\\)])*)\)|(ET)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(data)}


def _stream(body: bytes) -> bytes:
    """The decoded data of an object's stream, cut by its ``/Length``: compressed data may
    itself end in the CR or LF that precedes ``endstream``."""
    match = _STREAM.search(body)
    length = _LENGTH.search(body[: match.start()]) if match else None
    if match is None or length is None:
        return b""
    raw = body[match.end() : match.end() + int(length.group(1))]
    return zlib.decompress(raw) if b"/FlateDecode" in body[: match.start()] else raw


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        byte = literal[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = literal[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8))
            i += 1 + len(octal.group(0))
        else:
            out += _ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    pairs = re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap.split(b"beginbfchar", 1)[-1])
    return {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}


def page_count(data: bytes) -> int:
    """Pages as the PDF's page tree counts them (and as many page objects)."""
    pages = [body for body in _objects(data).values() if re.search(rb"/Type /Page(?!s)", body)]
    counts = re.findall(rb"/Type /Pages\b", data)
    assert len(counts) == 1, "one page tree expected"
    declared = re.search(rb"/Count ([0-9]+)", data)
    assert declared is not None
    assert int(declared.group(1)) == len(pages)
    return len(pages)


def _page_contents(objects: dict[int, bytes]) -> list[tuple[bytes, bytes]]:
    """(page dictionary, decoded content stream) of each page, in file order."""
    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page(?!s)", body):
            contents = re.search(rb"/Contents ([0-9]+) 0 R", body)
            assert contents is not None
            pages.append((body, _stream(objects[int(contents.group(1))])))
    return pages


def page_rectangles(data: bytes) -> list[list[tuple[float, float, float, float]]]:
    """The filled rectangles (``x y w h re f``, in points, origin bottom left) of each page:
    what fpdf2 draws a barcode with."""
    return [
        [tuple(float(v) for v in m) for m in _RECT.findall(content)]  # type: ignore[misc]
        for _page, content in _page_contents(_objects(data))
    ]


def page_texts(data: bytes) -> list[str]:
    """The text of each page, one line per text object (``BT … ET``)."""
    objects = _objects(data)
    fonts: dict[int, dict[int, str]] = {}
    for number, body in objects.items():
        match = re.search(rb"/ToUnicode ([0-9]+) 0 R", body)
        if match and b"/Type /Font" in body:
            fonts[number] = _to_unicode(_stream(objects[int(match.group(1))]))
    texts = []
    for body, content in _page_contents(objects):
        resources = objects[int(re.search(rb"/Resources ([0-9]+) 0 R", body).group(1))]  # type: ignore[union-attr]
        by_name = {
            name.decode(): fonts[int(ref)]
            for name, ref in re.findall(rb"/(F[0-9]+) ([0-9]+) 0 R", resources)
        }
        lines: list[str] = []
        current: dict[int, str] = {}
        line = ""
        for font, literal, end in _TOKEN.findall(content):
            if font:
                current = by_name[font.decode()]
            elif end:
                if line:
                    lines.append(line)
                line = ""
            else:
                raw = _unescape(literal)
                line += "".join(
                    current.get(int.from_bytes(raw[i : i + 2], "big"), "\ufffd")
                    for i in range(0, len(raw) - 1, 2)
                )
        texts.append("\n".join(lines))
    return texts
