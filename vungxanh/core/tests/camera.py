"""A camera for the browser tests of people, declarations and venues: Chromium's fake
capture device plays a Y4M video, here one that shows a QR code (made with segno), so that a
page's scanner (jsQR on the camera's frames) reads it as a phone or laptop camera would."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import segno
from PIL import Image

CAMERA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",  # grant the camera without asking
    "--use-fake-device-for-media-stream",
]


def qr_video(text: str, path: Path, frames: int = 20) -> str:
    """A 640×480 Y4M video whose frames show the QR code of ``text`` on white."""
    width, height = 640, 480
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=6, border=4)
    qr = Image.open(io.BytesIO(out.getvalue())).convert("L")
    qr.thumbnail((440, 440))
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr, ((width - qr.width) // 2, (height - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + luma + chroma + chroma)
    return str(path)


def camera_browser(chromium: Any, video: str) -> Any:
    """A second headless Chromium (same Playwright) whose camera plays ``video``."""
    return chromium.browser_type.launch(
        executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        headless=True,
        args=[*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"],
    )
