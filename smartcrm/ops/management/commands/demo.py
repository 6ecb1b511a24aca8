from typing import Any

from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.errors import DomainError
from smartcrm.ops.demo import load_demo

LOGIN_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Carpați Soft SRL) with its team, catalogue and sales "
        "pipeline; does nothing when it is already there (smartcrm demo)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_demo()
        except DomainError as error:
            # One line, whatever the error carries (a database detail can span several).
            raise CommandError(" ".join(str(error).split())) from error
        if result.created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Log in at {LOGIN_URL} with {result.email} / {result.password}")
