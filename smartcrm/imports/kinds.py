"""What can be imported: per kind, the fields a column may fill (with the header names that
propose them), how cells become values, and the validation, which reuses the models'
field validators and clean(), the services' normalisers and rules, and the matching keys.

Validation runs without a query per row: field validators and ``clean()`` are pure, foreign
keys are set by the importer, and a table CHECK constraint is evaluated (in Python, by
``core.constraints``) only when a mapped column can break it (products). Uniqueness is the
importer's job (upsert by key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartcrm.catalog.models import Product
from smartcrm.contacts.models import Contact
from smartcrm.core import writes
from smartcrm.core.choices import PartyKind
from smartcrm.core.constraints import validate_constraint
from smartcrm.core.errors import DomainError, FieldIssue, ValidationFailed
from smartcrm.core.modules import Module
from smartcrm.core.normalize import normalize_email, phone_e164
from smartcrm.core.services import normalize_identity
from smartcrm.core.text import clean_text, normalize_ro, search_key
from smartcrm.core.validators import normalize_cui
from smartcrm.dedupe.keys import name_key, set_matching_keys
from smartcrm.imports.choices import ImportKind
from smartcrm.sales.models import Account, Prospect
from smartcrm.sales.services.prospects import prospect_check_name


def header_key(value: str) -> str:
    """A header folded for matching: "E-mail", "email", "EMAIL " and "e_mail" are alike."""
    return re.sub(r"[^0-9a-z]", "", search_key(value or ""))


@dataclass(frozen=True)
class ImportField:
    """A field a column can fill, and the header names (RO, EN, HubSpot, Pipedrive,
    Salesforce exports) that propose it."""

    name: str
    label: Any
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchKey:
    """An upsert key: the column it is read from, how its value is canonicalised, and the
    stored field holding the canonical form."""

    name: str
    label: Any
    source: str
    stored: str
    canonical: Callable[[str], str]


def _cui_key(value: str) -> str:
    return normalize_cui(value)[0] if value else ""


def _code_key(value: str) -> str:
    return " ".join((value or "").split()).upper()


EMAIL_KEY = MatchKey("email", gettext_lazy("e-mail"), "email", "email_normalized", normalize_email)
PHONE_KEY = MatchKey("phone", gettext_lazy("phone"), "phone", "phone_e164", phone_e164)
CUI_KEY = MatchKey("cui", gettext_lazy("CUI"), "cui", "cui", _cui_key)
CODE_KEY = MatchKey("code", gettext_lazy("product code"), "code", "code", _code_key)

# Columns that say which record a contact belongs to.
PARENT_FIELDS = {
    "account_cui": ("account", "cui"),
    "account_name": ("account", "name"),
    "account_id": ("account", "id"),
    "prospect_cui": ("prospect", "cui"),
    "prospect_name": ("prospect", "name"),
    "prospect_email": ("prospect", "email"),
    "prospect_id": ("prospect", "id"),
}
# A column holding "first last" together, split into the two fields.
FULL_NAME = "full_name"

_NAMES = (
    ImportField(
        "first_name",
        gettext_lazy("first name"),
        ("prenume", "first name", "firstname", "given name", "person - first name"),
    ),
    ImportField(
        "last_name",
        gettext_lazy("last name"),
        (
            "nume de familie",
            "last name",
            "lastname",
            "surname",
            "family name",
            "person - last name",
        ),
    ),
    ImportField(
        FULL_NAME,
        gettext_lazy("full name (first and last)"),
        (
            "nume complet",
            "nume si prenume",
            "full name",
            "contact name",
            "person - name",
            "contact",
        ),
    ),
)
_IDENTITY = (
    ImportField(
        "cui",
        gettext_lazy("CUI"),
        ("cui", "cif", "cod fiscal", "cod unic de inregistrare", "tax id", "vat number", "vat id"),
    ),
    ImportField(
        "vat_payer", gettext_lazy("VAT payer"), ("platitor tva", "platitor de tva", "vat payer")
    ),
    ImportField(
        "trade_register",
        gettext_lazy("trade register no."),
        ("nr reg com", "nr. reg. com.", "registrul comertului", "reg com", "trade register"),
    ),
    ImportField(
        "address",
        gettext_lazy("address"),
        (
            "adresa",
            "strada",
            "sediu",
            "address",
            "street",
            "street address",
            "billing street",
            "mailing street",
            "organization - address",
        ),
    ),
    ImportField(
        "postal_code",
        gettext_lazy("postal code"),
        (
            "cod postal",
            "postal code",
            "zip",
            "zip code",
            "postcode",
            "zip/postal code",
            "billing zip/postal code",
            "mailing zip/postal code",
        ),
    ),
    ImportField(
        "locality",
        gettext_lazy("locality"),
        ("localitate", "oras", "municipiu", "city", "town", "billing city", "mailing city"),
    ),
    ImportField(
        "county",
        gettext_lazy("county"),
        (
            "judet",
            "county",
            "state",
            "state/region",
            "state/province",
            "billing state/province",
            "mailing state/province",
        ),
    ),
    ImportField(
        "country",
        gettext_lazy("country"),
        ("tara", "country", "country/region", "billing country", "mailing country"),
    ),
    ImportField(
        "phone",
        gettext_lazy("phone"),
        (
            "telefon",
            "tel",
            "nr telefon",
            "telefon mobil",
            "mobil",
            "phone",
            "phone number",
            "mobile",
            "mobile phone",
            "mobile phone number",
            "business phone",
            "person - phone",
            "organization - phone",
        ),
    ),
    ImportField(
        "email",
        gettext_lazy("e-mail"),
        (
            "email",
            "e-mail",
            "mail",
            "adresa email",
            "adresa de e-mail",
            "email address",
            "primary email",
            "person - email",
        ),
    ),
    ImportField(
        "website",
        gettext_lazy("website"),
        ("site", "site web", "pagina web", "website", "web", "url", "website url", "domain"),
    ),
)
_DESCRIPTION = ImportField(
    "description",
    gettext_lazy("description"),
    ("descriere", "observatii", "note", "notite", "comentarii", "description", "notes", "comments"),
)
_KIND = ImportField(
    "kind",
    gettext_lazy("kind"),
    ("tip", "tip client", "tip persoana", "type", "kind", "record type"),
)


@dataclass(frozen=True)
class KindSpec:
    """One importable kind of record."""

    key: str
    model: type[models.Model]
    fields: tuple[ImportField, ...]
    keys: tuple[MatchKey, ...]
    default_key: str
    # Each group needs at least one of its fields mapped (a company name or a person's).
    required: tuple[tuple[str, ...], ...]
    # The service's normalisers and rules, in the service's order around validation.
    prepare: Callable[[Any], None]
    rules: Callable[[Any], None]
    matching_name: Callable[[Any], str] | None
    events: bool
    module: str = Module.SALES
    owned: bool = True
    extra_defaults: Callable[[Any], None] = field(default=lambda record: None)
    # The fast validation (FastRows): ``prepare`` split per field. Each field ``prepare``
    # touches has here what it does to the cell's text (the others are checked through
    # the generic cell check, which runs ``prepare`` itself); a kind whose ``prepare``
    # ties fields together in other ways (products: stock only when tracked) is checked
    # the slow way, row by row.
    fast: bool = True
    prepared: frozenset[str] = frozenset()
    cell_prepare: Mapping[str, Callable[[str], str]] = field(default_factory=dict)
    # ``prepare`` turns a CUI's RO prefix into vat_payer (normalize_identity).
    vat_from_cui: bool = False
    # The search row shows a related record (a contact's account): written with the batch,
    # the parents read at once, rather than prepared beside the writes.
    search_needs_parents: bool = False

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def model_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.name not in PARENT_FIELDS and f.name != FULL_NAME]

    def key_named(self, name: str) -> MatchKey | None:
        return next((key for key in self.keys if key.name == name), None)


def _prepare_party(record: Any) -> None:
    normalize_identity(record)


# What normalize_identity changes.
_PARTY_PREPARED = frozenset({"cui", "vat_payer", "trade_register", "country"})


def _prepare_contact(record: Contact) -> None:
    if record.email:
        record.email = normalize_email(record.email)


def _prepare_product(record: Product) -> None:
    record.code = _code_key(record.code)
    if not record.track_stock:
        record.stock_quantity = None


def _infer_prospect_kind(record: Prospect) -> None:
    """Without a kind column: a row with a company name is a company, else a person."""
    record.kind = PartyKind.COMPANY if record.company_name else PartyKind.PERSON


def _no_rules(record: Any) -> None:
    return None


SPECS: dict[str, KindSpec] = {
    ImportKind.PROSPECTS: KindSpec(
        key=ImportKind.PROSPECTS,
        model=Prospect,
        fields=(
            _KIND,
            *_NAMES,
            ImportField(
                "company_name",
                gettext_lazy("company name"),
                (
                    "firma",
                    "companie",
                    "societate",
                    "denumire",
                    "denumire firma",
                    "nume firma",
                    "company",
                    "company name",
                    "organization",
                    "organisation",
                    "organization - name",
                    "person - organization",
                    "account name",
                ),
            ),
            *_IDENTITY,
            ImportField(
                "source",
                gettext_lazy("source"),
                ("sursa", "sursa lead", "source", "lead source", "original source"),
            ),
            ImportField("priority", gettext_lazy("priority"), ("prioritate", "priority", "rating")),
            _DESCRIPTION,
        ),
        keys=(EMAIL_KEY, CUI_KEY, PHONE_KEY),
        default_key="email",
        required=(("company_name", "first_name", "last_name", FULL_NAME),),
        prepare=_prepare_party,
        rules=prospect_check_name,
        matching_name=lambda record: record.display_name,
        events=True,
        extra_defaults=_infer_prospect_kind,
        prepared=_PARTY_PREPARED,
        cell_prepare={"cui": _cui_key},
        vat_from_cui=True,
    ),
    ImportKind.ACCOUNTS: KindSpec(
        key=ImportKind.ACCOUNTS,
        model=Account,
        fields=(
            _KIND,
            ImportField(
                "name",
                gettext_lazy("name"),
                (
                    "nume",
                    "denumire",
                    "firma",
                    "client",
                    "companie",
                    "name",
                    "account name",
                    "company",
                    "company name",
                    "organization",
                    "organization - name",
                ),
            ),
            *_IDENTITY,
            ImportField(
                "industry",
                gettext_lazy("industry"),
                ("industrie", "domeniu", "domeniu de activitate", "sector", "industry"),
            ),
            _DESCRIPTION,
        ),
        keys=(CUI_KEY, EMAIL_KEY, PHONE_KEY),
        default_key="cui",
        required=(("name",),),
        prepare=_prepare_party,
        rules=_no_rules,
        matching_name=lambda record: record.name,
        events=True,
        prepared=_PARTY_PREPARED,
        cell_prepare={"cui": _cui_key},
        vat_from_cui=True,
    ),
    ImportKind.CONTACTS: KindSpec(
        key=ImportKind.CONTACTS,
        search_needs_parents=True,
        model=Contact,
        fields=(
            *_NAMES,
            ImportField(
                "email",
                gettext_lazy("e-mail"),
                ("email", "e-mail", "mail", "email address", "person - email", "primary email"),
            ),
            ImportField(
                "phone",
                gettext_lazy("phone"),
                (
                    "telefon",
                    "tel",
                    "mobil",
                    "phone",
                    "phone number",
                    "mobile",
                    "mobile phone",
                    "mobile phone number",
                    "person - phone",
                ),
            ),
            ImportField(
                "job_title",
                gettext_lazy("job title"),
                (
                    "functie",
                    "post",
                    "pozitie",
                    "job title",
                    "title",
                    "position",
                    "person - job title",
                ),
            ),
            ImportField("department", gettext_lazy("department"), ("departament", "department")),
            ImportField(
                "account_cui",
                gettext_lazy("account: CUI"),
                ("cui", "cif", "cui client", "cod fiscal", "cui firma", "account cui"),
            ),
            ImportField(
                "account_name",
                gettext_lazy("account: name"),
                (
                    "firma",
                    "client",
                    "companie",
                    "company",
                    "company name",
                    "account",
                    "account name",
                    "organization",
                    "organization - name",
                    "person - organization",
                ),
            ),
            ImportField("account_id", gettext_lazy("account: SmartCRM id"), ("account id",)),
            ImportField("prospect_cui", gettext_lazy("prospect: CUI"), ("cui prospect",)),
            ImportField(
                "prospect_name", gettext_lazy("prospect: name"), ("prospect", "lead", "lead name")
            ),
            ImportField("prospect_email", gettext_lazy("prospect: e-mail"), ("email prospect",)),
            ImportField(
                "prospect_id", gettext_lazy("prospect: SmartCRM id"), ("prospect id", "lead id")
            ),
        ),
        keys=(EMAIL_KEY, PHONE_KEY),
        default_key="email",
        required=(("last_name", FULL_NAME), tuple(PARENT_FIELDS)),
        prepare=_prepare_contact,
        rules=_no_rules,
        matching_name=lambda record: record.full_name,
        events=False,
        prepared=frozenset({"email"}),
        cell_prepare={"email": normalize_email},
    ),
    ImportKind.PRODUCTS: KindSpec(
        key=ImportKind.PRODUCTS,
        model=Product,
        fields=(
            ImportField("kind", gettext_lazy("kind"), ("tip", "type", "product type")),
            ImportField(
                "code",
                gettext_lazy("code"),
                ("cod", "cod produs", "cod articol", "code", "product code", "sku", "item code"),
            ),
            ImportField(
                "name",
                gettext_lazy("name"),
                ("denumire", "nume", "produs", "articol", "name", "product name", "product"),
            ),
            ImportField(
                "description",
                gettext_lazy("description"),
                ("descriere", "description", "product description"),
            ),
            ImportField(
                "unit",
                gettext_lazy("unit"),
                ("um", "u.m.", "unitate", "unitate de masura", "unit", "unit of measure"),
            ),
            ImportField(
                "price",
                gettext_lazy("price"),
                ("pret", "pret unitar", "pret fara tva", "price", "list price", "unit price"),
            ),
            ImportField(
                "currency",
                gettext_lazy("currency"),
                ("moneda", "valuta", "currency", "currency iso code", "product currency"),
            ),
            ImportField(
                "price_includes_vat",
                gettext_lazy("price includes VAT"),
                ("pret cu tva", "include tva", "price includes vat"),
            ),
            ImportField(
                "vat_rate",
                gettext_lazy("VAT rate %"),
                ("tva", "cota tva", "vat", "vat rate", "tax rate", "tax"),
            ),
            ImportField(
                "track_stock", gettext_lazy("track stock"), ("gestiune stoc", "track stock")
            ),
            ImportField(
                "stock_quantity",
                gettext_lazy("stock"),
                ("stoc", "cantitate stoc", "stock", "quantity on hand"),
            ),
            ImportField("active", gettext_lazy("active"), ("activ", "active", "is active")),
        ),
        keys=(CODE_KEY,),
        default_key="code",
        required=(("code",), ("name",), ("price",)),
        prepare=_prepare_product,
        rules=_no_rules,
        matching_name=None,
        events=False,
        module=Module.CATALOG,
        owned=False,
        fast=False,
    ),
}


def spec_of(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValidationFailed(
            _("Choose what to import: %(kinds)s.") % {"kinds": ", ".join(SPECS)},
            field="kind",
            code="invalid_choice",
        ) from None


# --- cells to values ---------------------------------------------------------------------

_TRUE = frozenset({"1", "true", "da", "yes", "y", "x", "t", "on", "adevarat", "activ", "active"})
_FALSE = frozenset({"0", "false", "nu", "no", "n", "f", "off", "fals", "inactiv", "inactive"})
# Values other CRMs export, and Romanian words, for choice fields.
_CHOICE_EXTRAS: dict[str, dict[str, str]] = {
    "kind": {
        "pf": "person",
        "persoana fizica": "person",
        "persoana": "person",
        "individual": "person",
        "pj": "company",
        "persoana juridica": "company",
        "firma": "company",
        "companie": "company",
        "organization": "company",
        "organisation": "company",
        "produs": "product",
        "serviciu": "service",
    },
    "source": {
        "web": "website",
        "site": "website",
        "organic search": "website",
        "direct traffic": "website",
        "recomandare": "referral",
        "referrals": "referral",
        "targ": "event",
        "eveniment": "event",
        "trade show": "event",
        "apel": "cold_call",
        "telefon": "cold_call",
        "campanie": "campaign",
        "email marketing": "campaign",
        "paid search": "campaign",
        "social media": "social",
        "paid social": "social",
        "organic social": "social",
        "facebook": "social",
        "linkedin": "social",
        "partener": "partner",
        "licitatie": "tender",
        "seap": "tender",
        "offline sources": "other",
        "altele": "other",
        "alta": "other",
    },
    "priority": {
        "hot": "high",
        "warm": "medium",
        "cold": "low",
        "mare": "high",
        "ridicata": "high",
        "medie": "medium",
        "normala": "medium",
        "mica": "low",
        "scazuta": "low",
    },
    "county": {"bucuresti": "B", "municipiul bucuresti": "B", "bucharest": "B"},
}
_COUNTRY_NAMES = {
    "romania": "RO",
    "moldova": "MD",
    "republica moldova": "MD",
    "germania": "DE",
    "germany": "DE",
    "italia": "IT",
    "italy": "IT",
    "franta": "FR",
    "france": "FR",
    "ungaria": "HU",
    "hungary": "HU",
    "bulgaria": "BG",
    "austria": "AT",
    "spania": "ES",
    "spain": "ES",
    "marea britanie": "GB",
    "united kingdom": "GB",
    "statele unite": "US",
    "united states": "US",
    "usa": "US",
}
_SECTOR = re.compile(r"^sector(ul)?\s*[1-6]$")
_CHOICE_CACHE: dict[tuple[type[models.Model], str], dict[str, str]] = {}


def _choice_map(model: type[models.Model], name: str, choices: Any) -> dict[str, str]:
    cached = _CHOICE_CACHE.get((model, name))
    if cached is not None:
        return cached
    folded: dict[str, str] = {}
    for value, label in choices:
        folded[search_key(str(value))] = str(value)
        for language in ("ro", "en"):
            with translation.override(language):
                folded.setdefault(search_key(str(label)), str(value))
    for alias, value in _CHOICE_EXTRAS.get(name, {}).items():
        if value in folded.values():
            folded.setdefault(alias, value)
    _CHOICE_CACHE[(model, name)] = folded
    return folded


def parse_decimal(text: str) -> Decimal:
    """ "1.234,56", "1234.56", "1 234,5", "21%" → Decimal; the last separator is decimal."""
    compact = re.sub(r"[\s\u00a0%]", "", text)
    compact = re.sub(r"(?i)(lei|ron|eur|usd|€|\$)$", "", compact)
    if "," in compact and "." in compact:
        decimal_sep = "," if compact.rfind(",") > compact.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        compact = compact.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in compact:
        compact = compact.replace(",", ".") if compact.count(",") == 1 else compact.replace(",", "")
    elif compact.count(".") > 1:
        compact = compact.replace(".", "")
    try:
        value = Decimal(compact)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def convert(model: type[models.Model], name: str, text: str) -> Any:
    """A cell's text as the value of ``name``; ValueError (with a message) when it is not."""
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.BooleanField):
        folded = search_key(text.strip())
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ValueError(_("Write yes or no (da / nu)."))
    if isinstance(model_field, models.DecimalField):
        try:
            return parse_decimal(text)
        except ValueError:
            raise ValueError(_("Enter a number, such as 1234,56.")) from None
    choices = getattr(model_field, "choices", None)
    if choices:
        folded = search_key(" ".join(text.split()))
        if name == "county" and _SECTOR.match(folded):
            return "B"
        found = _choice_map(model, name, choices).get(folded)
        if found is None:
            if name == "currency" and len(folded) == 3:
                return folded.upper()  # the model's validator names the unknown code
            labels = ", ".join(str(value) for value, _label in choices)
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": labels}
            )
        return found
    if name == "country":
        folded = search_key(text.strip())
        return _COUNTRY_NAMES.get(folded, text.strip().upper())
    return text


def split_full_name(text: str) -> tuple[str, str]:
    """ "Ion Popescu" → ("Ion", "Popescu"); one word is a last name."""
    words = text.split()
    if len(words) <= 1:
        return "", " ".join(words)
    return " ".join(words[:-1]), words[-1]


# --- validation --------------------------------------------------------------------------

# Foreign keys are set by the importer; their validators would query the database.
_NOT_CLEANED = {"id"}


def _constraints_for(spec: KindSpec, mapped: frozenset[str]) -> list[models.CheckConstraint]:
    """The table CHECK constraints a mapped column can break (the others hold by default)."""
    found = []
    for constraint in spec.model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            condition = constraint.condition
            referenced: set[str] = getattr(condition, "referenced_base_fields", set())
            if referenced and referenced <= mapped:
                found.append(constraint)
    return found


def validator_for(spec: KindSpec, mapped: frozenset[str]) -> Callable[[Any], None]:
    """The validation of one record of ``spec``, built once per import."""
    all_fields = {f.name for f in spec.model._meta.concrete_fields}
    # Fields no column fills keep their default (new records) or their stored value
    # (updates), both valid already; foreign keys are set by the importer, and their
    # validators would query the database.
    not_cleaned = (
        _NOT_CLEANED
        | (all_fields - mapped)
        | {f.name for f in spec.model._meta.concrete_fields if isinstance(f, models.ForeignKey)}
    )
    excluded_from_constraints = all_fields - mapped
    constraints = _constraints_for(spec, mapped)

    def validate(record: Any) -> None:
        spec.prepare(record)
        writes.normalize_strings(record)
        errors: dict[str, Any] = {}
        for check in (lambda: record.clean_fields(exclude=not_cleaned), record.clean):
            try:
                check()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if not errors:
            for constraint in constraints:
                try:
                    validate_constraint(
                        constraint,
                        spec.model,
                        record,
                        exclude=excluded_from_constraints | {"organization"},
                    )
                except ValidationError as error:
                    errors = error.update_error_dict(errors)
        if errors:
            raise writes.validation_failed(ValidationError(errors), record)
        writes.quantize_decimals(record)
        spec.rules(record)
        if spec.matching_name is not None:
            set_matching_keys(record, name=spec.matching_name(record))

    return validate


def missing_required(spec: KindSpec, mapped_fields: set[str]) -> list[FieldIssue]:
    """The fields a mapping must include (one of each group)."""
    issues = []
    for group in spec.required:
        if not mapped_fields & set(group):
            labels = {f.name: str(f.label) for f in spec.fields}
            issues.append(
                FieldIssue(
                    "mapping",
                    _("Map a column to %(fields)s.")
                    % {"fields": _(" or ").join(labels[name] for name in group)},
                    "required",
                )
            )
    return issues


# --- fast validation -----------------------------------------------------------------------

# A cell the fast check cannot vouch for: the row goes through ``validator_for`` (the
# reference), which says exactly what is wrong.
INVALID: Any = object()
_MISSING: Any = object()
# Distinct cell texts remembered per column (counties, cities, sources, names repeat).
CELL_CACHE_SIZE = 50_000
# Strict subsets of what Django's EmailValidator and URLValidator accept (checked against
# them in the tests): a value matching one is valid; any other goes to the validator.
_EMAIL_FAST = re.compile(
    r"[a-z0-9_%+'-]+(?:\.[a-z0-9_%+'-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE,
)
_URL_FAST = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::[0-9]{1,5})?"
    r"(?:/[a-z0-9._~%/+-]*)?",
    re.IGNORECASE,
)


def _fast_clean_text(text: str) -> str:
    """``clean_text``; ASCII text has no letters to normalise, only blanks."""
    return " ".join(text.split()) if text.isascii() else clean_text(text)


def _plain_validators(model_field: models.Field[Any, Any]) -> bool:
    from django.core.validators import MaxLengthValidator

    return all(isinstance(v, MaxLengthValidator) for v in model_field.validators)


class FastRows:
    """``validator_for``'s rules, cell by cell instead of record by record.

    Each cell is converted, prepared, normalised and checked by its model field once per
    distinct text (remembered); the common shapes of unique cells (names, e-mails,
    websites, CUIs, phones) are checked without Django's generic machinery. The rules
    that join fields (the model's ``clean``, the table constraints, the kind's rules) run
    on a lightweight record built from a dict. Whatever the fast check cannot vouch for
    makes ``record`` return None, and the caller checks that row with ``validator_for``,
    which gives the same messages as ever: the fast path only decides that a row is
    valid, and what it becomes, never why a row is not.
    """

    def __init__(self, spec: KindSpec, mapped: frozenset[str], template: models.Model) -> None:
        self.spec, self.model = spec, spec.model
        self.mapped = mapped
        meta = spec.model._meta
        self.fields: dict[str, models.Field[Any, Any]] = {
            name: field
            for name in mapped
            if isinstance(field := meta.get_field(name), models.Field)
        }
        self.attnames = {name: self.fields[name].attname for name in mapped}
        self.template = {k: v for k, v in template.__dict__.items() if k != "_state"}
        self.concrete_attnames = [f.attname for f in meta.concrete_fields]
        self.constraints = _constraints_for(spec, mapped)
        self.excluded_from_constraints = {f.name for f in meta.concrete_fields} - mapped
        self.cells = {name: self._cell_function(name) for name in mapped}
        self.caches: dict[str, dict[str, Any]] = {name: {} for name in mapped}
        self._value_ok: dict[tuple[str, Any], bool] = {}
        self._phones: dict[str, str] = {}
        self._names: dict[str, str] = {}
        # Mapped fields whose cell may be empty: their default must pass too (creates).
        self.defaults_ok = {
            name: self.value_ok(name, self.template.get(self.attnames[name])) for name in mapped
        }

    # --- records ---------------------------------------------------------------------

    def new_record(self, values: dict[str, Any]) -> Any:
        """A record of the kind from a dict of attribute values, without Model.__init__."""
        from django.db.models.base import ModelState

        record = self.model.__new__(self.model)
        record.__dict__.update(values)
        record._state = ModelState()
        return record

    def from_db(self, row: tuple[Any, ...], db: str) -> Any:
        """A stored record from its concrete columns (``concrete_attnames`` order)."""
        record = self.new_record(dict(zip(self.concrete_attnames, row, strict=True)))
        record._state.adding = False
        record._state.db = db
        return record

    # --- cells -----------------------------------------------------------------------

    def _cell_function(self, name: str) -> Callable[[str], Any]:
        model_field = self.fields[name]
        prepare_text = self.spec.cell_prepare.get(name)
        generic = self._generic_cell(name)
        if getattr(model_field, "choices", None) or (
            name in self.spec.prepared and prepare_text is None
        ):
            return generic
        limit = model_field.max_length
        if isinstance(model_field, models.EmailField | models.URLField):
            pattern = _EMAIL_FAST if isinstance(model_field, models.EmailField) else _URL_FAST
            # URLs: 253 characters at most keeps the host name within its 253
            fits = min(limit or 254, 253) if pattern is _URL_FAST else (limit or 254)

            def checked(text: str) -> Any:
                value = _fast_clean_text(prepare_text(text) if prepare_text else text)
                if len(value) <= fits and pattern.fullmatch(value):
                    return value
                return generic(text)

            return checked
        if isinstance(model_field, models.TextField) and not model_field.validators:

            def text_cell(text: str) -> Any:
                value = normalize_ro(prepare_text(text) if prepare_text else text).strip()
                return INVALID if "\x00" in value else value

            return text_cell
        if (
            type(model_field) is models.CharField
            and _plain_validators(model_field)
            and name != "country"  # converted from country names
        ):

            def char_cell(text: str) -> Any:
                value = _fast_clean_text(prepare_text(text) if prepare_text else text)
                if not value or "\x00" in value or (limit is not None and len(value) > limit):
                    return generic(text)
                return value

            return char_cell
        return generic

    def _generic_cell(self, name: str) -> Callable[[str], Any]:
        """The cell through the reference steps: convert, the kind's prepare, the string
        normalisation and the model field's own clean(), on a record holding only it."""
        model_field = self.fields[name]
        attname = self.attnames[name]

        def cell(text: str) -> Any:
            try:
                value = convert(self.model, name, text)
            except ValueError:
                return INVALID
            record = self.new_record(self.template)
            setattr(record, attname, value)
            try:
                self.spec.prepare(record)
                writes.normalize_strings(record)
            except DomainError:
                return INVALID
            state = {k: v for k, v in record.__dict__.items() if k != "_state"}
            if any(state[k] != v for k, v in self.template.items() if k != attname):
                return INVALID  # prepare touched another field: not one cell's business
            raw = state[attname]
            if model_field.blank and raw in model_field.empty_values:
                return raw
            try:
                value = model_field.clean(raw, record)
            except ValidationError:
                return INVALID
            if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
                value = value.quantize(Decimal(1).scaleb(-(model_field.decimal_places or 0)))
            return value

        return cell

    def value_ok(self, name: str, value: Any) -> bool:
        """A value a mapped field keeps (its cell is empty) passes the field's clean()."""
        model_field = self.fields[name]
        if model_field.blank and value in model_field.empty_values:
            return True
        try:
            key = (name, value)
            found = self._value_ok.get(key)
        except TypeError:  # unhashable
            key, found = None, None
        if found is None:
            try:
                model_field.clean(value, None)
                found = True
            except ValidationError:
                found = False
            if key is not None and len(self._value_ok) < CELL_CACHE_SIZE:
                self._value_ok[key] = found
        return found

    def cells_of(self, values: dict[str, str]) -> dict[str, Any] | None:
        """{attname: value} of a row's non-empty cells, or None when one is not valid."""
        found: dict[str, Any] = {}
        caches, cells, attnames = self.caches, self.cells, self.attnames
        for name, text in values.items():
            cache = caches[name]
            value = cache.get(text, _MISSING)
            if value is _MISSING:
                value = cells[name](text)
                if len(cache) < CELL_CACHE_SIZE:
                    cache[text] = value
            if value is INVALID:
                return None
            found[attnames[name]] = value
        if self.spec.vat_from_cui and "cui" in values and normalize_cui(values["cui"])[1]:
            found["vat_payer"] = True
        return found

    # --- rows ------------------------------------------------------------------------

    def finish(self, record: Any) -> bool:
        """The rules joining fields, then the matching keys; False when one fails."""
        try:
            record.clean()
            for constraint in self.constraints:
                constraint.validate(
                    self.model, record, exclude=self.excluded_from_constraints | {"organization"}
                )
            self.spec.rules(record)
        except (ValidationError, ValidationFailed):
            return False
        if self.spec.matching_name is not None:
            record.email_normalized = normalize_email(record.email or "")
            phone = record.phone
            e164 = self._phones.get(phone)
            if e164 is None:
                e164 = phone_e164(phone)
                if len(self._phones) < CELL_CACHE_SIZE:
                    self._phones[phone] = e164
            record.phone_e164 = e164
            name = self.spec.matching_name(record)
            key = self._names.get(name)
            if key is None:
                key = name_key(name)
                if len(self._names) < CELL_CACHE_SIZE:
                    self._names[name] = key
            record.name_key = key
        return True
