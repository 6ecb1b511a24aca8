import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from smartcrm.core.errors import DomainError
from smartcrm.core.models import ApiToken, Membership, User
from smartcrm.core.tokens import api_token_create, api_token_revoke
from smartcrm.ops.management.commands._common import domain_error_line


class Command(BaseCommand):
    help = "Personal API tokens: create (shown once), list, revoke (smartcrm token ...)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (only this once).")
        create.add_argument("--email", required=True, help="The user the token acts as.")
        create.add_argument("--org", help="Organisation slug (needed if the user has several).")
        create.add_argument("--name", default="API token", help="What the token is for.")
        create.add_argument(
            "--expires-days",
            type=int,
            help="Expire after this many days (default: SMARTCRM_TOKEN_DAYS, 90).",
        )
        create.add_argument(
            "--never-expires",
            action="store_true",
            help="A token that never expires (the user must be an admin of the organisation).",
        )
        create.add_argument(
            "--scope",
            choices=["read", "write"],
            default="write",
            help="read: it may only read; write: read and write (the default).",
        )
        listing = sub.add_parser("list", help="List a user's tokens (never the secret).")
        listing.add_argument("--email", required=True)
        revoke = sub.add_parser("revoke", help="Revoke a token by its id or prefix.")
        revoke.add_argument("token", help="The token's id, or its prefix (scrm_<prefix>_…).")

    def handle(self, *args: Any, **options: Any) -> None:
        handler = {"create": self._create, "list": self._list, "revoke": self._revoke}
        try:
            handler[options["action"]](options)
        except DomainError as error:
            raise domain_error_line(error) from error

    def _membership(self, email: str, slug: str | None) -> Membership:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"--email: no user {email}.")
        memberships = Membership.objects.filter(user=user, is_active=True).select_related(
            "organization", "user"
        )
        if slug:
            memberships = memberships.filter(organization__slug=slug)
        found = list(memberships[:2])
        if not found:
            raise CommandError(f"--org: {email} is not an active member of '{slug or 'any'}'.")
        if len(found) > 1:
            raise CommandError("--org: the user belongs to several organisations; name one.")
        return found[0]

    def _create(self, options: dict[str, Any]) -> None:
        membership = self._membership(options["email"], options.get("org"))
        days = options.get("expires_days")
        if days is not None and days < 1:
            raise CommandError("--expires-days: give a whole number of days, 1 or more.")
        if days is not None and options.get("never_expires"):
            raise CommandError("--never-expires: leave out --expires-days then.")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        token, plain = api_token_create(
            org=membership.organization,
            user=membership.user,
            name=options["name"],
            expires_at=expires,
            never_expires=bool(options.get("never_expires")),
            scope=options["scope"],
        )
        self.stderr.write(
            f"Token {token.prefix} for {membership.user.email} in "
            f"'{membership.organization.slug}' (shown once; store it now):"
        )
        self.stdout.write(plain)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.filter(user__email__iexact=options["email"].strip())
        for token in tokens.select_related("organization"):
            state = "revoked" if token.revoked_at else "active"
            until = token.expires_at.date().isoformat() if token.expires_at else "never"
            self.stdout.write(
                f"{token.pk}  scrm_{token.prefix}_…  {token.organization.slug}  "
                f"{token.name}  {token.scope}  {state}  expires {until}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        reference = options["token"].strip()
        prefix = reference.removeprefix("scrm_").split("_")[0]
        token = (
            ApiToken.objects.filter(prefix=prefix).select_related("organization", "user").first()
        )
        if token is None:
            try:
                token = (
                    ApiToken.objects.select_related("organization", "user")
                    .filter(pk=reference)
                    .first()
                )
            except (ValueError, ValidationError):  # not a UUID either
                token = None
        if token is None:
            raise CommandError(f"no token {reference}.")
        api_token_revoke(org=token.organization, user=token.user, token_id=token.pk)
        self.stdout.write(f"Token {token.prefix} revoked.")
