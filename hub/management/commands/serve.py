import errno
import gc
import logging
import signal
import socket
import subprocess
import sys

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from hub.db import bound_waits

log = logging.getLogger(__name__)


def ensure_port_free(host: str, port: int) -> None:
    """Fail with one line when another process already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is already in use; stop the other server or set "
                    "HUB_PORT to a free port"
                ) from None
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def warm_up_apps() -> None:
    """Load now what each app's first request would load (its ``AppConfig.warm_up()``).

    A failure is logged, never raised: the worker still starts, and the first
    request that needs the part reports the problem as it always would.
    """
    for config in apps.get_app_configs():
        warm_up = getattr(config, "warm_up", None)
        if warm_up is None:
            continue
        try:
            warm_up()
        except Exception:
            log.exception("warming up %s failed; its first request will try again", config.label)


def settle_worker(worker) -> None:
    """Warm the apps up, then freeze what that and loading created: it lives as long as the worker.

    The cyclic garbage collector then stops rescanning Django's, DRF's and the
    GraphQL schema's long-lived objects on every full collection, which
    otherwise costs the read path about a millisecond per request on average.
    """
    warm_up_apps()
    gc.collect()
    gc.freeze()


def gunicorn_options(host: str, port: int) -> dict:
    """The production server's settings; `make bench` serves with exactly these."""
    return {
        "bind": f"{host}:{port}",
        "workers": settings.HUB_WEB_WORKERS,
        "threads": settings.HUB_WEB_THREADS,
        "worker_class": "gthread",
        "graceful_timeout": 10,
        "timeout": 120,
        "keepalive": 5,
        # What proxies forward is applied by the hub itself, for HUB_TRUSTED_PROXIES only.
        "forwarded_allow_ips": "",
        "accesslog": None,  # the hub writes its own (hub.access_log)
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "simpul-web",
        "post_worker_init": settle_worker,
    }


def run_gunicorn(options: dict) -> None:
    from gunicorn.app.base import BaseApplication

    class HubApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            from hub.wsgi import application

            return application

    HubApplication().run()


class Command(BaseCommand):
    help = "Serve the hub with gunicorn and run its background worker until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")

    def handle(self, *args, no_worker=False, **options):
        host, port = settings.HUB_BIND, settings.HUB_PORT
        ensure_port_free(host, port)
        call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "hub", "worker"])
        connections.close_all()
        bound_waits()  # for every web worker forked from here
        self.stdout.write(f"Simpul is serving on http://{host}:{port}/ (Ctrl-C stops it)")
        self.stdout.flush()
        try:
            run_gunicorn(gunicorn_options(host, port))
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
