from django.core.management.base import BaseCommand

from webhooks import services


class Command(BaseCommand):
    help = (
        "Hand back to the worker every overdue webhook delivery whose task is lost (its worker was killed, "
        "or it was never queued). Run it every minute, from cron or a scheduler."
    )

    def handle(self, *args, **options):
        handed = services.requeue_lost()
        self.stdout.write(f"Handed {handed} lost deliveries back to the worker.")
