import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from hub.env import env


class Command(BaseCommand):
    help = (
        "Create the first platform admin from HUB_ADMIN_EMAIL / HUB_ADMIN_PASSWORD, or with a "
        "generated password printed once. Does nothing when a platform admin exists."
    )

    def handle(self, *args, **options):
        users = get_user_model().objects
        if users.filter(is_superuser=True, is_active=True).exists():
            self.stdout.write("platform admin already exists")
            return
        email = env("HUB_ADMIN_EMAIL", "admin@simpul.local")
        password = env("HUB_ADMIN_PASSWORD", "")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(18)
        user = users.filter(username=email).first() or users.model(username=email, email=email)
        user.is_superuser = user.is_staff = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"platform admin: {email}")
        if generated:
            self.stdout.write(f"generated password (shown once): {password}")
