"""Column mapping: proposed from the header, checked when the user edits it."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _

from smartcrm.core.errors import FieldIssue, ValidationFailed
from smartcrm.imports.kinds import KindSpec, header_key, missing_required


def _aliases(spec: KindSpec) -> dict[str, str]:
    """Folded header → field: the field's own name and label, then its aliases."""
    found: dict[str, str] = {}
    for import_field in spec.fields:
        # The label in both languages, whichever the user reads ("Nume" is the last name).
        labels = []
        for language in ("ro", "en"):
            with translation.override(language):
                labels.append(str(import_field.label))
        for name in (import_field.name, *labels, *import_field.aliases):
            found.setdefault(header_key(name), import_field.name)
    return found


def propose_mapping(spec: KindSpec, headers: list[str]) -> dict[str, str]:
    """{header: field} for the headers that name a field; each field taken once (the first
    column that names it), so "Phone" and "Mobile" do not both fill the phone."""
    aliases = _aliases(spec)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = aliases.get(header_key(header))
        if target and target not in taken:
            mapping[header] = target
            taken.add(target)
    # A full name is only wanted when the first and last names are not there.
    if "full_name" in taken and {"first_name", "last_name"} & taken:
        mapping = {h: f for h, f in mapping.items() if f != "full_name"}
    return mapping


def check_mapping(
    spec: KindSpec, headers: list[str], mapping: Mapping[str, str], key: str
) -> dict[str, str]:
    """The mapping without its blanks; an unknown column or field, a field mapped twice,
    a required field missing, or a key that is not mapped is an error naming "mapping"."""
    if not isinstance(mapping, Mapping):
        raise ValidationFailed(_("The mapping is a list of column → field pairs."), field="mapping")
    known = set(spec.field_names())
    issues: list[FieldIssue] = []
    cleaned: dict[str, str] = {}
    used: dict[str, str] = {}
    for header, target in mapping.items():
        if not target:
            continue
        if not isinstance(header, str) or header not in headers:
            issues.append(
                FieldIssue(
                    "mapping", _("The file has no column “%(column)s”.") % {"column": header}
                )
            )
            continue
        if not isinstance(target, str) or target not in known:
            issues.append(
                FieldIssue(
                    "mapping",
                    _("“%(field)s” is not a field you can import into.") % {"field": target},
                )
            )
            continue
        if target in used:
            issues.append(
                FieldIssue(
                    "mapping",
                    _("Columns “%(first)s” and “%(second)s” both go to %(field)s.")
                    % {"first": used[target], "second": header, "field": target},
                )
            )
            continue
        used[target] = header
        cleaned[header] = target
    issues.extend(missing_required(spec, set(cleaned.values())))
    if key:
        match_key = spec.key_named(key)
        if match_key is None:
            issues.append(
                FieldIssue(
                    "key",
                    _("Match %(kind)s by one of: %(keys)s.")
                    % {"kind": spec.key, "keys": ", ".join(k.name for k in spec.keys)},
                    "invalid_choice",
                )
            )
        elif match_key.source not in cleaned.values():
            issues.append(
                FieldIssue(
                    "key",
                    _("Records are matched by %(key)s, but no column is mapped to it.")
                    % {"key": match_key.label},
                    "required",
                )
            )
    if issues:
        raise ValidationFailed.from_issues(issues)
    return cleaned
