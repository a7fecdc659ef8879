from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.models import NewsroomKey
from claims.roles import is_desk_member


class Command(BaseCommand):
    help = (
        "Create a newsroom API key and print it once (it is stored hashed). Read-only unless --acts-as "
        "names a desk member, whose role the key then writes with. Revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Whose key it is: the newsroom's name.")
        parser.add_argument("--acts-as", help="Username of a desk member the key writes as (default: read-only).")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where the API is served, for the example.")

    def handle(self, *args, name, acts_as, url, **options):
        name = " ".join(name.split())
        if not name or len(name) > 50:
            raise CommandError("Give the key a name of 1 to 50 characters.")
        user = None
        if acts_as:
            user = get_user_model().objects.filter(username=acts_as).first()
            if user is None or not is_desk_member(user):
                raise CommandError(f"--acts-as: {acts_as!r} is not an active desk member (Reviewer or Editor).")
        _, key = NewsroomKey.objects.create_key(name=name, acts_as=user)
        role = f"writes as {user.get_username()}" if user else "read-only"
        self.stdout.write(self.style.SUCCESS(f"API key for {name!r} ({role}), shown only once:"))
        self.stdout.write(f"  Authorization: Api-Key {key}")
        self.stdout.write(f'  curl -H "Authorization: Api-Key {key}" "{url.rstrip("/")}/api/v1/claims/?page_size=5"')
