"""Media benchmark: upload throughput through the hub vs straight to the object store.

A real SeaweedFS S3 server (deploy/local) and the hub served by gunicorn
(`python -m hub serve --no-worker`, the production options) on loopback.
For 1 MB, 100 MB and 1 GB files it times a multipart upload through the hub
(`POST /api/v1/media/`) and a direct `minio` put of the same file to the same
store, reads the hub's peak memory during the 1 GB upload, and measures how many
renditions per second the processing makes from a 12-megapixel JPEG.
For 1 MB it also times a floor (tests/bench/media_floor.py): the least any
Python service needs to accept an authenticated, durable upload, to tell the
cost of a web hop in front of the store from the hub's own, and counts the CPU
time each process spends per upload (client, web service, object store,
database): on a small machine they all share the same cores.
Targets: hub >= 80% of direct; peak RSS growth < 100 MB.
"""

from __future__ import annotations

import http.client
import io
import os
import random
import select
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tests.bench.serving import HUB, floor_command, serve

ROOT = Path(__file__).resolve().parents[2]
MB = 1000 * 1000
SIZES = [(1 * MB, "1 MB", 30), (100 * MB, "100 MB", 3), (1000 * MB, "1 GB", 3)]
CHUNK = 1024 * 1024
BOUNDARY = "SimpulBenchBoundary"
# An MP4 header: the hub sniffs the type from the bytes, so the files must look real.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _make_file(path: Path, size: int) -> None:
    block = os.urandom(16 * CHUNK)
    with open(path, "wb") as handle:
        handle.write(MP4_HEAD)
        written = len(MP4_HEAD)
        while written < size:
            piece = block[: min(len(block), size - written)]
            handle.write(piece)
            written += len(piece)


def _vary(path: Path) -> None:
    """Change a few bytes after the header, so every upload is new content (no dedup)."""
    with open(path, "r+b") as handle:
        handle.seek(len(MP4_HEAD))
        handle.write(uuid.uuid4().bytes)


def _prepare(env: dict) -> str:
    """Migrate and create an agency with an uploading API key; returns the key."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from agencies.models import Agency
    from agencies.services import agency_create, apikey_create
    from hub.demo import PLATFORM

    call_command("migrate", verbosity=0)
    from django.db import connection

    from tests.bench.media_floor import CREATE

    with connection.cursor() as cursor:
        cursor.execute(CREATE)  # the floor's one table
    agency = Agency.objects.filter(slug="bench-media").first() or agency_create(
        principal=PLATFORM, data={"slug": "bench-media", "name": "Bench Media", "type": "lpnk"}
    )
    _, secret = apikey_create(
        principal=PLATFORM, agency=agency, name="bench", scopes=["media:write", "content:read"]
    )
    from django.db import connections

    connections.close_all()
    return secret


class HubClient:
    """One kept-alive connection to the hub, as the direct client keeps its pool."""

    def __init__(self, port: int, key: str):
        self.key = key
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def _reconnect_if_closed(self) -> None:
        # The hub closes a connection idle longer than its keep-alive time.
        sock = self.connection.sock
        if sock is not None and select.select([sock], [], [], 0)[0]:
            self.connection.close()  # the next request connects again

    def upload(self, path: Path) -> tuple[float, int]:
        """Stream `path` as a multipart upload with constant memory; returns (seconds, status)."""
        preamble = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        epilogue = f"\r\n--{BOUNDARY}--\r\n".encode()
        length = len(preamble) + path.stat().st_size + len(epilogue)
        self._reconnect_if_closed()
        connection = self.connection
        started = time.perf_counter()
        connection.putrequest("POST", "/api/v1/media/")
        connection.putheader("Authorization", f"Bearer {self.key}")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        connection.send(preamble)
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                connection.send(chunk)
        connection.send(epilogue)
        response = connection.getresponse()
        response.read()
        return time.perf_counter() - started, response.status

    def close(self) -> None:
        self.connection.close()


def _direct(client, bucket: str, prefix: str, path: Path, part_size: int) -> float:
    started = time.perf_counter()
    with open(path, "rb") as handle:
        client.put_object(
            bucket,
            f"{prefix}direct/{uuid.uuid4().hex}",
            handle,
            path.stat().st_size,
            part_size=part_size,
        )
    return time.perf_counter() - started


class PeakRss:
    """The hub's web workers' peak resident memory over a stretch of work.

    Read from the kernel's own high-water mark (``VmHWM``, reset first through
    ``/proc/PID/clear_refs``): exact, and with no sampling thread taking CPU
    from the upload it measures on a machine of two cores.
    """

    def __init__(self, server_pid: int):
        import psutil

        self.pids = [child.pid for child in psutil.Process(server_pid).children(recursive=True)]
        self.before: dict[int, int] = {}
        self.peak: dict[int, int] = {}

    @staticmethod
    def _status(pid: int, field: str) -> int:
        """A ``/proc/PID/status`` memory field, in bytes."""
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise SystemExit(f"/proc/{pid}/status has no {field}: the benchmark needs Linux")

    def __enter__(self):
        for pid in self.pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # the high-water mark := now
            self.before[pid] = self._status(pid, "VmRSS")
        return self

    def __exit__(self, *exc):
        self.peak = {pid: self._status(pid, "VmHWM") for pid in self.pids}

    def growth(self) -> int:
        """The largest increase of one process over its resident size before the work."""
        return max(self.peak[pid] - self.before[pid] for pid in self.pids)


class CpuMeter:
    """CPU time (user + system) each part of the system uses over a stretch of work.

    A part is a server process with its children (gunicorn's workers,
    PostgreSQL's backends), counted again at every reading so that workers
    started later are in; the client is this process alone (the servers it
    started are its children too).
    """

    def __init__(self, parts: dict[str, int | None]):
        import psutil

        self.parts = {
            name: psutil.Process(pid) if pid is not None else None for name, pid in parts.items()
        }
        self.alone = {os.getpid()}

    def read(self) -> dict[str, float | None]:
        import psutil

        totals: dict[str, float | None] = {}
        for name, root in self.parts.items():
            if root is None:
                totals[name] = None
                continue
            total = 0.0
            children = [] if root.pid in self.alone else root.children(recursive=True)
            for process in [root, *children]:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
            totals[name] = total
        return totals

    def per_call(self, work, calls: int) -> dict[str, float | None]:
        """Milliseconds of CPU per call of `work()`, for each part, over `calls` calls."""
        before = self.read()
        for _ in range(calls):
            work()
        after = self.read()
        return {
            name: None if before[name] is None else (after[name] - before[name]) / calls * 1e3
            for name in self.parts
        }


def _postmaster_pid() -> int | None:
    """The local PostgreSQL server's pid (None for a server on another machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (directory,) = cursor.fetchone()
    try:
        return int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _print_cpu(label: str, rows: list[tuple[str, dict[str, float | None]]]) -> None:
    names = list(rows[0][1])
    cores = os.cpu_count()
    print(f"\nCPU per {label} upload, ms (user + system; this machine has {cores} cores)\n")
    header = f"{'path':34} |" + "".join(f" {name:>9}" for name in names) + f" | {'total':>7}"
    print(header)
    print("-" * len(header))
    for title, used in rows:
        cells = "".join(" " * 10 if used[n] is None else f" {used[n]:>9.1f}" for n in names)
        total = sum(value for value in used.values() if value is not None)
        print(f"{title:34} |{cells} | {total:>7.1f}")


def _twelve_megapixels() -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(12)
    image = Image.new("RGB", (4000, 3000), (120, 160, 200))
    draw = ImageDraw.Draw(image)
    for _ in range(1500):
        x, y = rng.randrange(4000), rng.randrange(3000)
        fill = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)], fill=fill)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _renditions_per_second() -> tuple[float, float]:
    """(render only, whole job): renditions/s for one 12 MP JPEG, best of three."""
    from django.conf import settings

    from agencies.models import Agency
    from hub.demo import PLATFORM
    from media_store import processing
    from media_store.services import asset_process, asset_upload_stream

    data = _twelve_megapixels()
    render = []
    for _ in range(3):
        started = time.perf_counter()
        image = processing.open_for_rendering(
            io.BytesIO(data), max_pixels=settings.HUB_MEDIA_MAX_PIXELS
        )
        made = processing.render(image)
        render.append(len(made) / (time.perf_counter() - started))
    agency = Agency.objects.get(slug="bench-media")
    whole = []
    for _ in range(3):
        unique = data + uuid.uuid4().bytes  # new bytes: a new asset each time
        asset, _ = asset_upload_stream(
            principal=PLATFORM, agency=agency, chunks=[unique], filename="12mp.jpg"
        )
        started = time.perf_counter()
        asset = asset_process(asset_id=asset.pk)
        whole.append(asset.renditions.count() / (time.perf_counter() - started))
    return max(render), max(whole)


def _cpu_per_upload(scratch, client, server, prefix, part_size, *, uploaders, postmaster):
    """CPU per upload of the smallest file: direct put, then each web service in front."""
    size, label, calls = SIZES[0]
    path = scratch / "cpu-upload.mp4"
    _make_file(path, size)
    weed = int((server.state_dir / "weed.pid").read_text())

    def meter(service_pid: int | None) -> CpuMeter:
        return CpuMeter(
            {"client": os.getpid(), "service": service_pid, "store": weed, "database": postmaster}
        )

    def direct() -> None:
        _vary(path)
        _direct(client, server.bucket, prefix, path, part_size)

    rows = [("direct minio put", meter(None).per_call(direct, calls))]
    for title, (uploader, process) in uploaders.items():

        def upload(uploader=uploader, title=title) -> None:
            _vary(path)
            _, status = uploader.upload(path)
            if status != 201:
                raise SystemExit(f"{title} upload of {label} answered {status}")

        rows.append((title, meter(process.pid).per_call(upload, calls)))
    path.unlink()
    return rows


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.seaweedfs import S3Server, free_port

    scratch = Path(tempfile.mkdtemp(prefix="simpul-bench-media-"))
    server = S3Server(
        endpoint=f"127.0.0.1:{free_port()}",
        access_key="simpul-bench",
        secret_key="simpul-bench-secret",
        bucket="simpul-bench",
        state_dir=scratch / "seaweedfs",
    )
    server.state_dir.mkdir()
    print("\nstarting SeaweedFS and the hub …", flush=True)
    server.start()
    hub = floor = None
    prefix = f"bench/{uuid.uuid4().hex[:8]}/"
    part_size = int(os.environ.get("MINIO_PART_SIZE", 8 * 1024 * 1024))
    env = {
        **os.environ,
        "HUB_DEBUG": "false",
        "HUB_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_STORAGE": "s3",
        "MINIO_ENDPOINT": server.endpoint,
        "MINIO_ACCESS_KEY": server.access_key,
        "MINIO_SECRET_KEY": server.secret_key,
        "MINIO_BUCKET": server.bucket,
        "MINIO_REGION": server.region,
        "MINIO_SECURE": "false",
        "MINIO_PREFIX": prefix,
        "MINIO_PART_SIZE": str(part_size),
        "HUB_MEDIA_MAX_UPLOAD": str(2 * 1024**3),
        "HUB_MEDIA_QUOTA_BYTES": "0",
    }
    try:
        key = _prepare(env)
        postmaster = _postmaster_pid()
        env = {**os.environ}  # now with the database the preparation started or joined
        port = _free_port()
        hub = serve(HUB, port, env)
        floor_port = _free_port()
        floor = serve(
            floor_command("tests.bench.media_floor:application", floor_port), floor_port, env
        )
        client = server.client()
        uploader = HubClient(port, key)
        floor_uploader = HubClient(floor_port, key)
        rows = []
        floor_times: list[float] = []
        growth = None
        for size, label, repeats in SIZES:
            path = scratch / f"upload-{label.replace(' ', '')}.mp4"
            _make_file(path, size)
            hub_times, direct_times = [], []
            for _ in range(repeats):
                _vary(path)
                direct_times.append(_direct(client, server.bucket, prefix, path, part_size))
                if size == SIZES[0][0]:
                    _vary(path)
                    elapsed, status = floor_uploader.upload(path)
                    if status != 201:
                        raise SystemExit(f"floor upload of {label} answered {status}")
                    floor_times.append(elapsed)
                _vary(path)
                if size >= 1000 * MB:
                    with PeakRss(hub.pid) as sampler:
                        elapsed, status = uploader.upload(path)
                    growth = max(growth or 0, sampler.growth())
                else:
                    elapsed, status = uploader.upload(path)
                if status != 201:
                    raise SystemExit(f"hub upload of {label} answered {status}")
                hub_times.append(elapsed)
            path.unlink()
            rows.append((label, size, hub_times, direct_times))
        services = {"hub (POST /api/v1/media/)": (uploader, hub), "floor": (floor_uploader, floor)}
        cpu_rows = _cpu_per_upload(
            scratch, client, server, prefix, part_size, uploaders=services, postmaster=postmaster
        )
        uploader.close()
        floor_uploader.close()
        renders, whole = _renditions_per_second()

        print(
            f"\nMedia upload: gunicorn (production options) + SeaweedFS S3 on loopback, "
            f"{part_size // 2**20} MiB parts; best run, and the median of the runs\n"
        )
        header = (
            f"{'file':8} {'runs':>4} | {'hub MB/s':>9} {'ms':>8} | {'direct MB/s':>11} {'ms':>8}"
            f" | {'hub/direct':>10} | {'median ms hub':>13} {'direct':>8} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        for label, size, hub_times, direct_times in rows:
            hub_s, direct_s = min(hub_times), min(direct_times)
            hub_med, direct_med = statistics.median(hub_times), statistics.median(direct_times)
            print(
                f"{label:8} {len(hub_times):>4} | {size / hub_s / MB:>9.1f} {hub_s * 1e3:>8.1f}"
                f" | {size / direct_s / MB:>11.1f} {direct_s * 1e3:>8.1f}"
                f" | {direct_s / hub_s:>10.0%} | {hub_med * 1e3:>13.1f} {direct_med * 1e3:>8.1f}"
                f" {direct_med / hub_med:>6.0%}"
            )
        label, _size, hub_times, direct_times = rows[0]
        best, median = min(floor_times), statistics.median(floor_times)
        print(
            f"\nfloor, {label} (tests/bench/media_floor.py: key check, python-multipart, minio put,"
            f" one row; nothing else): best {best * 1e3:.1f} ms = "
            f"{min(direct_times) / best:.0%} of direct, median {median * 1e3:.1f} ms = "
            f"{statistics.median(direct_times) / median:.0%}"
        )
        _print_cpu(SIZES[0][1], cpu_rows)
        megabytes = growth / 2**20
        print(f"\nhub peak RSS growth during the 1 GB upload: {megabytes:.1f} MiB (target < 100)")
        print(f"renditions per second, 12 MP JPEG: {renders:.1f} (render only), "
              f"{whole:.1f} (whole job: read original, render, store in S3)")  # fmt: skip
        print("targets: hub >= 80% of direct")
    finally:
        for process in (hub, floor):
            if process is not None:
                process.terminate()
                process.wait(30)
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
