"""Organisations, users, memberships, departments, and the tenant base model."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import EmailValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from smartcrm.core.choices import (
    County,
    Language,
    OfferPdfDesign,
    Role,
    TokenScope,
    TwoFactorPolicy,
)
from smartcrm.core.ids import uuid7
from smartcrm.core.money import CURRENCY_CHOICES
from smartcrm.core.scopes import Scope, scope_for
from smartcrm.core.validators import validate_country, validate_cui, validate_trade_register


class CompanyIdentity(models.Model):
    """The identity fields of a Romanian company, shared by organisations, prospects, accounts."""

    cui = models.CharField(
        _("CUI"), max_length=12, blank=True, help_text=_("Romanian tax id, digits only")
    )
    vat_payer = models.BooleanField(_("VAT payer"), default=False)
    trade_register = models.CharField(
        _("trade register no."), max_length=20, blank=True, validators=[validate_trade_register]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    locality = models.CharField(_("locality"), max_length=100, blank=True)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    country = models.CharField(
        _("country"), max_length=2, default="RO", validators=[validate_country]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        from django.core.exceptions import ValidationError

        # The check digit is Romanian; foreign tax ids are kept as typed.
        if self.cui and self.country == "RO":
            try:
                validate_cui(self.cui)
            except ValidationError as error:
                raise ValidationError({"cui": error.messages}) from error


class Organization(CompanyIdentity):
    """A company using SmartCRM: the tenant every domain row belongs to."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    base_currency = models.CharField(
        _("base currency"), max_length=3, choices=CURRENCY_CHOICES, default="RON"
    )
    language = models.CharField(
        _("default language"), max_length=5, choices=Language.choices, default=Language.RO
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Bucharest")
    disabled_modules = models.JSONField(_("switched-off modules"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    # How offers look: set by admins, read by smartcrm.sales.documents.
    logo = models.FileField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        help_text=_("PNG, JPEG or SVG, up to 1 MB."),
    )
    offer_pdf_design = models.CharField(
        _("offer design"),
        max_length=20,
        choices=OfferPdfDesign.choices,
        default=OfferPdfDesign.CLASSIC,
    )
    offer_terms = models.TextField(_("terms on offers"), blank=True)
    offer_footer = models.TextField(_("footer on offers"), blank=True)
    # Who must log in with a second factor (read by smartcrm.core.two_factor).
    two_factor_required = models.CharField(
        _("two-factor authentication required of"),
        max_length=10,
        choices=TwoFactorPolicy.choices,
        default=TwoFactorPolicy.NONE,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offer_pdf_design__in=OfferPdfDesign.values),
                name="organization_offer_pdf_design_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("The e-mail address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=normalize_email(username or ""))


def normalize_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively; we store them lower-case."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; may belong to several organisations."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField(
        _("e-mail"), max_length=254, unique=True, validators=[EmailValidator()]
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=Language.choices,
        blank=True,
        help_text=_("Empty: the organisation's language."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff"), default=False, help_text=_("May use the Django admin.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Part of every session's authentication hash: a new value logs the user out everywhere.
    session_salt = models.CharField(max_length=64, blank=True, default="", editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.email

    # Django checks this hash (or a SECRET_KEY_FALLBACKS variant) on every request of a
    # session. With no salt yet it is Django's own, so sessions from before stay valid.
    def get_session_auth_hash(self) -> str:
        if not self.session_salt:
            return super().get_session_auth_hash()
        return self._salted_session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterable[str]:
        if not self.session_salt:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._salted_session_hash(secret=secret)

    def _salted_session_hash(self, *, secret: str | bytes | None) -> str:
        return salted_hmac(
            "smartcrm.core.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_salt}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class TenantQuerySet(models.QuerySet[Any]):
    def for_org(self, org: Organization) -> Self:
        """Every read starts here: rows of one organisation only."""
        return self.filter(organization=org)

    def for_member(self, membership: Membership, module: str) -> Self:
        """The rows of the member's organisation that their view scope of ``module`` shows."""
        return self.filter(organization_id=membership.organization_id).visible_to(
            membership, module
        )

    def visible_to(self, membership: Membership, module: str, action: str = "view") -> Self:
        """Only the view scope (the organisation is filtered elsewhere): "all" adds nothing
        to the query, "none" makes it empty, "own" and "department" filter on the rows'
        holders (``held_by`` on the model)."""
        scope = scope_for(membership, module, action)
        if scope == Scope.ALL:
            return self
        if scope == Scope.NONE:
            return self.none()
        user_ids = scope_user_ids(membership, scope)
        return self.filter(held_by(self.model, user_ids, membership.organization_id))


def held_by(model: type[models.Model], user_ids: Collection[Any], org_id: Any) -> models.Q:
    """The rows of ``model`` that these members hold: by its ``HOLDER_FIELDS`` (default:
    owner), or by hanging on a record one of them owns, through its ``HELD_THROUGH`` parent
    fields (a contact, activity, note or task on a prospect, account or offer of theirs: a
    semi-join on the parents' (organisation, owner) indexes). A model with neither (the
    catalogue) has no holder: every row is everybody's."""
    condition = models.Q()
    for field in getattr(model, "HOLDER_FIELDS", ("owner",)):
        condition |= holder_in(f"{field}_id", user_ids)
    for field in getattr(model, "HELD_THROUGH", ()):
        parent = model._meta.get_field(field).related_model
        assert isinstance(parent, type)
        owned = (
            parent._base_manager.filter(organization_id=org_id)
            .filter(holder_in("owner_id", user_ids))
            .values("pk")
        )
        condition |= models.Q(**{f"{field}_id__in": owned})
    return condition


def holder_in(column: str, user_ids: Collection[Any]) -> models.Q:
    """``column`` is one of these members: an equality for one (the plain index lookup)."""
    if len(user_ids) == 1:
        return models.Q(**{column: next(iter(user_ids))})
    return models.Q(**{f"{column}__in": list(user_ids)})


def scope_user_ids(membership: Membership, scope: str) -> frozenset[Any]:
    """The members whose records an "own" or "department" scope covers."""
    if scope == Scope.OWN:
        return frozenset({membership.user_id})
    if scope == Scope.DEPARTMENT:
        return department_user_ids(membership)
    raise ValueError(f"No member list for the scope {scope!r}")


def department_user_ids(membership: Membership) -> frozenset[Any]:
    """The member and every member of their department and its sub-departments (the
    member alone when they have no department). Read once per membership object — that
    is once per request or service call — however many rows are checked."""
    cached: frozenset[Any] | None = getattr(membership, "_department_user_ids", None)
    if cached is not None:
        return cached
    user_ids = {membership.user_id}
    if membership.department_id is not None:
        subtree = department_subtree(
            organization_id=membership.organization_id, department_id=membership.department_id
        )
        user_ids.update(
            Membership.objects.filter(
                organization_id=membership.organization_id,
                department_id__in=subtree,
                is_active=True,
            ).values_list("user_id", flat=True)
        )
    result = frozenset(user_ids)
    membership._department_user_ids = result  # type: ignore[attr-defined]  # per-object memo
    return result


def department_subtree(*, organization_id: Any, department_id: Any) -> set[Any]:
    """The department and all departments under it, at any depth (one query: the
    organisation's departments are few)."""
    children: dict[Any, list[Any]] = {}
    for child_id, parent_id in Department.objects.filter(
        organization_id=organization_id
    ).values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(child_id)
    found = {department_id}
    pending = [department_id]
    while pending:
        for child_id in children.get(pending.pop(), ()):
            if child_id not in found:
                found.add(child_id)
                pending.append(child_id)
    return found


def organization_field(*, indexed: bool = True) -> Any:
    """A tenant row's organisation. ``indexed=False`` where every index of the table leads
    with the organisation already (a lone one would only slow down writes)."""
    return models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=indexed,
    )


class TenantModel(models.Model):
    """Base of every domain row: UUIDv7 key, organisation, timestamps, version."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = organization_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Not indexed: nothing is looked up by its creator, and an index on every table would
    # only slow down writes (deleting a user, a rare act, scans instead).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Department(TenantModel):
    """A department of the organisation (Sales, Support...) that memberships point to;
    departments nest (``parent``) and one member heads each."""

    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {"duplicate_name": "name"}

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="department_name_unique_per_org",
                violation_error_code="duplicate_name",
                violation_error_message=_("A department with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CustomRole(TenantModel):
    """A role an admin defines: per module and action, a scope (``core.scopes``). A member
    with one has its grants instead of their built-in role's."""

    FIELD_OF_CONSTRAINT: ClassVar[dict[str, str]] = {"duplicate_name": "name"}

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    grants = models.JSONField(_("grants"), default=dict, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="custom_role_name_unique_per_org",
                violation_error_code="duplicate_name",
                violation_error_message=_("A role with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one organisation: role (built-in, or custom), department, active."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SALES)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    # Replaces the built-in role's grants on records; ``role`` keeps the powers over the
    # organisation (members, settings). A role in use cannot be deleted.
    custom_role = models.ForeignKey(
        CustomRole,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("custom role"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_unique_user_per_org"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class InvitationDecision(models.TextChoices):
    PENDING = "", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(models.Model):
    """An organisation asks an existing login to join it. Nothing about the person is shown
    to the organisation, and no membership exists, until they accept."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    # The address the inviter typed: the only thing about the person the organisation sees.
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SALES)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        _("answer"), max_length=10, choices=InvitationDecision.choices, blank=True, default=""
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(decision=""),
                name="invitation_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="invitation_role_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(decision=""), name="invitation_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization_id}"


class ApiToken(models.Model):
    """A personal API token of one user in one organisation; only its hash is kept."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The token is "scrm_<prefix>_<secret>"; the prefix finds the row, the hash proves it.
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.WRITE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where the last use came from (stored with the time, see core.tokens).
    last_used_address = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "user"], name="apitoken_org_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SearchEntry(models.Model):
    """One searchable record (prospect, account, contact, offer, product) as normalised text.

    Written by ``core.search`` from the services; read by its ``search`` selector through a
    PostgreSQL pg_trgm GIN index or an SQLite FTS5 trigram table (migration 0004).
    """

    # An integer key, unlike domain rows: SQLite's FTS5 table points at rows by rowid, and
    # only an INTEGER PRIMARY KEY keeps a rowid stable (VACUUM may renumber the others).
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    object_id = models.UUIDField()
    title = models.CharField(max_length=255)
    subtitle = models.CharField(max_length=255, blank=True)
    # Lower-case, diacritics removed (core.text.search_key): what queries are matched on.
    text = models.TextField()
    title_key = models.CharField(max_length=255)
    # False for the kinds only their own lists search (tasks, activities, notes): the global
    # search walks the others' rows alone (search_entry_newest_idx).
    global_search = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")
        ]
        indexes = [
            models.Index(fields=["organization", "kind"], name="search_entry_org_kind_idx"),
            # The search's two walks: titles starting with the query, in title order (the
            # column compares byte by byte, COLLATE "C" on PostgreSQL: migration 0009), and
            # the newest rows first (read from the index alone: kind and id are in it).
            models.Index(
                fields=["organization", "title_key", "object_id"], name="search_entry_title_idx"
            ),
            models.Index(
                fields=["organization", "object_id", "kind", "id"],
                name="search_entry_newest_idx",
                condition=models.Q(global_search=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title}"
