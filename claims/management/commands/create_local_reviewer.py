import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from claims.roles import EDITOR, REVIEWER

LOGINS = [("reviewer", REVIEWER), ("editor", EDITOR)]


class Command(BaseCommand):
    help = (
        "Create local 'reviewer' and 'editor' logins, in the Reviewer and Editor groups, with random "
        "passwords printed once. Logins that exist are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/", help="Where the admin is served.")

    def handle(self, *args, url, **options):
        User = get_user_model()
        for username, group_name in LOGINS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    f"Log in at {url} as {username!r} with the password set earlier "
                    f"(forgot it? python manage.py changepassword {username})."
                )
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password, is_staff=True)
            user.groups.add(Group.objects.get(name=group_name))
            self.stdout.write(
                self.style.SUCCESS(f"Log in at {url} as {username!r} with password {password!r} ({group_name})")
            )
        self.stdout.write("Passwords are shown only once. A reviewer proposes verdicts; an editor publishes them.")
