import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "reviewer"


class Command(BaseCommand):
    help = "Create a local reviewer login with a random password, printed once, unless a staff login exists."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served.")

    def handle(self, *args, url, **options):
        User = get_user_model()
        existing = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
        if existing is not None:
            self.stdout.write(
                f"Log in at {url} as {existing.get_username()!r} with the password set earlier "
                f"(forgot it? python manage.py changepassword {existing.get_username()})."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=USERNAME, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Log in at {url} as {USERNAME!r} with password {password!r}"))
        self.stdout.write("The password is shown only this once.")
