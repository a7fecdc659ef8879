import logging
import threading

from django.conf import settings
from django.db import connection
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from webhooks import services

logger = logging.getLogger(__name__)


class Command(DatabaseWorker):
    help = (
        "The one process webhooks need: runs the webhooks queue's tasks (db_worker) and, at its start and "
        "every --sweep-every seconds, hands lost deliveries back to the queue (what sweep_webhooks does), so "
        "no cron is needed. Run one or more; each sweeps."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="webhooks")
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=settings.WEBHOOK_SWEEP_SECONDS,
            help="Seconds between sweeps for lost deliveries (default: WEBHOOK_SWEEP_SECONDS, 60).",
        )

    def handle(self, *args, sweep_every, **options):
        sweep(self.stdout)  # before the first task: a batch run then sends what was lost
        stop = threading.Event()
        sweeper = threading.Thread(target=sweep_periodically, args=(stop, sweep_every, self.stdout), daemon=True)
        sweeper.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            sweeper.join(timeout=10)


def sweep(out=None) -> int:
    handed = services.requeue_lost()
    if handed and out is not None:
        out.write(f"Handed {handed} lost deliveries back to the worker.")
    return handed


def sweep_periodically(stop: threading.Event, every: float, out=None) -> None:
    """Sweep every `every` seconds until `stop` is set, on this thread's own connection."""
    try:
        while not stop.wait(every):
            try:
                sweep(out)
            except Exception:  # a sweep that fails (the database restarting) tries again next time
                logger.exception("The webhook sweep failed; trying again in %s s", every)
    finally:
        connection.close()
