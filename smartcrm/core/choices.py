from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")


class TokenScope(models.TextChoices):
    """What an API token may do: read only, or read and write."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Language(models.TextChoices):
    RO = "ro", "Română"
    EN = "en", "English"


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class County(models.TextChoices):
    """The 41 counties (județe) of Romania and the Municipality of Bucharest, by car-plate code."""

    AB = "AB", "Alba"
    AR = "AR", "Arad"
    AG = "AG", "Argeș"
    BC = "BC", "Bacău"
    BH = "BH", "Bihor"
    BN = "BN", "Bistrița-Năsăud"
    BT = "BT", "Botoșani"
    BV = "BV", "Brașov"
    BR = "BR", "Brăila"
    B = "B", "București"
    BZ = "BZ", "Buzău"
    CS = "CS", "Caraș-Severin"
    CL = "CL", "Călărași"
    CJ = "CJ", "Cluj"
    CT = "CT", "Constanța"
    CV = "CV", "Covasna"
    DB = "DB", "Dâmbovița"
    DJ = "DJ", "Dolj"
    GL = "GL", "Galați"
    GR = "GR", "Giurgiu"
    GJ = "GJ", "Gorj"
    HR = "HR", "Harghita"
    HD = "HD", "Hunedoara"
    IL = "IL", "Ialomița"
    IS = "IS", "Iași"
    IF = "IF", "Ilfov"
    MM = "MM", "Maramureș"
    MH = "MH", "Mehedinți"
    MS = "MS", "Mureș"
    NT = "NT", "Neamț"
    OT = "OT", "Olt"
    PH = "PH", "Prahova"
    SM = "SM", "Satu Mare"
    SJ = "SJ", "Sălaj"
    SB = "SB", "Sibiu"
    SV = "SV", "Suceava"
    TR = "TR", "Teleorman"
    TM = "TM", "Timiș"
    TL = "TL", "Tulcea"
    VS = "VS", "Vaslui"
    VL = "VL", "Vâlcea"
    VN = "VN", "Vrancea"


class TwoFactorPolicy(models.TextChoices):
    """Which members of an organisation must use two-factor authentication."""

    NONE = "none", _("Nobody: each member chooses")
    ADMINS = "admins", _("Owners and administrators")
    EVERYONE = "everyone", _("Every member")


class OfferPdfDesign(models.TextChoices):
    """The built-in looks of the offer PDF the organisation chooses between."""

    CLASSIC = "classic", _("Classic")
    MODERN = "modern", _("Modern")
