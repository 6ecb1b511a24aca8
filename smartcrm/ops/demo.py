"""The demo organisation: a Cluj software house with a realistic Romanian sales pipeline.

Everything is built through the services, as the application itself would build it, inside
one transaction. The data is repeatable: one seeded random generator and hand-written lists,
with every date placed relative to the organisation's today (Europe/Bucharest). Loading is
idempotent: when the demo organisation exists, nothing is changed.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.services import activity_create
from smartcrm.catalog.choices import ProductKind, RateSource
from smartcrm.catalog.models import Product
from smartcrm.catalog.services import exchange_rate_set, product_create
from smartcrm.contacts.choices import ContactDepartment
from smartcrm.contacts.models import Contact
from smartcrm.contacts.services import contact_create, offer_contacts_set
from smartcrm.core.choices import PartyKind, Priority, Role
from smartcrm.core.models import Department, Membership, Organization, User
from smartcrm.core.scopes import ACTIONS, BUILT_IN_GRANTS, Scope
from smartcrm.core.services import (
    custom_role_create,
    department_create,
    department_update,
    membership_add,
    membership_update,
    organization_create,
    user_create,
)
from smartcrm.core.text import search_key
from smartcrm.notes.services import note_create
from smartcrm.sales.choices import OfferStatus, ProspectSource, ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect
from smartcrm.sales.services import (
    account_create,
    account_update,
    offer_change_status,
    offer_create,
    offer_line_add,
    prospect_convert,
    prospect_create,
    prospect_disqualify,
    prospect_qualify,
    prospect_set_status,
)
from smartcrm.sales.services.offers import org_today
from smartcrm.tasks.services import task_complete, task_create, task_set_status

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@smartcrm.local"
DEMO_PASSWORD = "demo-smartcrm"  # the published demo login, not a secret
# A task for the demo user due this long after loading, to see a reminder arrive.
DEMO_REMINDER_IN = dt.timedelta(minutes=3)
DEMO_REMINDER_TITLE = "Sună înapoi clientul (memento de probă)"
SEED = 2026
RATE_DAYS = 45


@dataclass(frozen=True)
class DemoResult:
    """What ``load_demo`` did: the demo organisation and the login to try it with."""

    organization: Organization
    email: str
    password: str
    created: bool


def load_demo() -> DemoResult:
    """Create the demo organisation with its people, catalogue and pipeline, once."""
    with transaction.atomic():
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        created = organization is None
        if organization is None:
            organization = _DemoBuilder(random.Random(SEED)).build()
    return DemoResult(
        organization=organization, email=DEMO_EMAIL, password=DEMO_PASSWORD, created=created
    )


# --- The hand-written data -------------------------------------------------------------

ORGANIZATION: dict[str, Any] = {
    "name": "Carpați Soft SRL",
    "cui": "18547290",
    "vat_payer": True,
    "trade_register": "J12/3456/2015",
    "address": "Str. Memorandumului nr. 28, et. 3",
    "postal_code": "400114",
    "locality": "Cluj-Napoca",
    "county": "CJ",
    "phone": "+40 264 590 123",
    "email": "office@carpatisoft.ro",
    "website": "https://www.carpatisoft.ro",
    "iban": "RO23BTRLRONCRT0346513701",
    "bank_name": "Banca Transilvania",
}

OWNER, MANAGER, SALES_MIHAI, SALES_STEFANIA = 0, 1, 2, 3
SALES, SUPPORT = "Vânzări", "Suport tehnic"
SALES_BRASOV, SALES_CLUJ = "Vânzări Brașov", "Vânzări Cluj"

# (first name, last name, e-mail, role, department)
TEAM: tuple[tuple[str, str, str, str, str], ...] = (
    ("Andrei", "Mureșan", DEMO_EMAIL, Role.OWNER, ""),
    ("Ioana", "Țîrlea", "ioana.tirlea@carpatisoft.ro", Role.MANAGER, SALES),
    ("Mihai", "Văduva", "mihai.vaduva@carpatisoft.ro", Role.SALES, SALES_BRASOV),
    ("Ștefania", "Bălan", "stefania.balan@carpatisoft.ro", Role.SALES, SUPPORT),
)

# (name, description, the department it sits under)
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    (SALES, "Prospectare, oferte și contracte cu clienții.", ""),
    (SALES_BRASOV, "Agenții de teren din Brașov și Covasna.", SALES),
    (SALES_CLUJ, "Agenții de teren din Cluj și Bihor.", SALES),
    (SUPPORT, "Implementare, instruire și suport după vânzare.", ""),
)

# A role of the organisation's own: a field agent works only the records they hold (prospects,
# accounts, offers, contacts and their activities, notes and tasks; the rest as a sales user).
FIELD_AGENT = "Agent teren"
FIELD_AGENT_MODULES = (
    "prospects",
    "accounts",
    "offers",
    "contacts",
    "activities",
    "notes",
    "tasks",
)

# currency: (starting rate, largest daily move, lowest, highest) of a plausible BNR series
RATE_WALKS: dict[str, tuple[str, str, str, str]] = {
    "EUR": ("5.0420", "0.0090", "4.9700", "5.1000"),
    "USD": ("4.4600", "0.0250", "4.3000", "4.7000"),
    "GBP": ("5.8600", "0.0250", "5.7000", "6.0000"),
}


class Item(NamedTuple):
    """A catalogue entry; ``stock`` set means the product tracks its stock."""

    kind: str
    code: str
    name: str
    unit: str
    price: str
    currency: str = "RON"
    vat: str = "21"
    includes_vat: bool = False
    stock: str | None = None


P, SV = ProductKind.PRODUCT, ProductKind.SERVICE
WITH_VAT = True  # the price includes VAT

# kind, code, name, unit, price, currency, VAT %, price includes VAT, stock
PRODUCTS: tuple[Item, ...] = (
    Item(P, "LIC-ERP-STD", "Licență ERP Carpați Standard", "buc", "4500"),
    Item(P, "LIC-ERP-PRO", "Licență ERP Carpați Profesional", "buc", "1850", "EUR"),
    Item(P, "LIC-CRM-USR", "Abonament SmartCRM, un utilizator", "an", "89", "EUR"),
    Item(P, "LIC-ANTIVIR", "Licență antivirus (1 an)", "buc", "149.90", "RON", "21", WITH_VAT),
    Item(P, "LIC-SSL", "Certificat SSL wildcard (1 an)", "buc", "249", "USD"),
    Item(P, "HW-LAPTOP-14", "Laptop business 14 inch", "buc", "4299", "RON", "21", WITH_VAT, "12"),
    Item(P, "HW-MON-27", "Monitor 27 inch QHD", "buc", "1199", "RON", "21", WITH_VAT, "25"),
    Item(P, "HW-SRV-1U", "Server rack 1U, 64 GB RAM", "buc", "3890", "EUR"),
    Item(P, "HW-NAS-4", "NAS cu 4 sertare pentru backup", "buc", "2650"),
    Item(SV, "SRV-CONS-SR", "Consultanță implementare, consultant senior", "oră", "65", "EUR"),
    Item(SV, "SRV-CONS", "Consultanță implementare", "oră", "180"),
    Item(SV, "SRV-DEV", "Dezvoltare personalizată", "oră", "220"),
    Item(SV, "SRV-MIGR", "Migrare date din sistemul existent", "zi", "1600"),
    Item(SV, "SRV-SUP-STD", "Abonament suport tehnic Standard", "lună", "750"),
    Item(SV, "SRV-SUP-PREM", "Abonament suport tehnic Premium 24/7", "lună", "390", "EUR"),
    Item(SV, "SRV-CLOUD", "Găzduire în cloud cu backup zilnic", "lună", "420"),
    Item(SV, "TRN-USR", "Instruire utilizatori (maximum 8 persoane)", "zi", "2400"),
    Item(SV, "TRN-ADMIN", "Instruire administratori de sistem", "zi", "350", "EUR"),
    Item(SV, "TRN-ACRED", "Curs acreditat de competențe digitale", "zi", "1900", "RON", "0"),
    Item(P, "CARTE-GHID", "Ghidul utilizatorului (carte)", "buc", "95", "RON", "11", WITH_VAT),
)
PRODUCT_DESCRIPTIONS: dict[str, str] = {
    "LIC-ERP-STD": "Gestiune comercială, stocuri și facturare, până la 10 utilizatori.",
    "LIC-ERP-PRO": "Include producție, mentenanță și raportare pentru mai multe gestiuni.",
    "LIC-CRM-USR": "Licență anuală per utilizator, cu actualizări incluse.",
    "LIC-ANTIVIR": "Pentru o stație de lucru; preț de listă cu TVA inclus.",
    "LIC-SSL": "Validare de organizație, emis în cel mult două zile lucrătoare.",
    "HW-LAPTOP-14": "Procesor i5, 16 GB RAM, SSD 512 GB; garanție 36 de luni la client.",
    "HW-MON-27": "Reglabil pe înălțime; preț cu TVA și taxa verde incluse.",
    "HW-SRV-1U": "Două SSD de 960 GB; livrare în 10 zile lucrătoare, montaj inclus.",
    "HW-NAS-4": "Fără discuri; se configurează împreună cu serviciul de backup.",
    "SRV-CONS-SR": "Analiză de procese și configurare avansată.",
    "SRV-CONS": "Configurare, import de date și asistență la pornire.",
    "SRV-DEV": "Rapoarte, integrări și ecrane la comandă.",
    "SRV-MIGR": "Parteneri, articole, solduri și istoric de facturi.",
    "SRV-SUP-STD": "De luni până vineri, 9:00-18:00; răspuns în 4 ore.",
    "SRV-SUP-PREM": "Permanență 24/7, timp de răspuns o oră.",
    "SRV-CLOUD": "Centru de date în România, copii păstrate 30 de zile.",
    "TRN-USR": "O grupă de cel mult 8 persoane, la sediul clientului sau online.",
    "TRN-ADMIN": "Instalare, drepturi de acces, copii de siguranță.",
    "TRN-ACRED": "Furnizor de formare autorizat: scutit de TVA.",
    "CARTE-GHID": "Ghidul utilizatorului ERP Carpați. Carte: cota redusă de TVA.",
}

# Free lines: (name, unit, price in lei, VAT %), converted on offers in another currency.
FREE_LINES: tuple[tuple[str, str, str, str], ...] = (
    ("Transport și instalare la sediul clientului", "buc", "350", "21"),
    ("Personalizare rapoarte", "oră", "200", "21"),
    ("Deplasare consultant (cazare și diurnă)", "zi", "450", "21"),
)

QUANTITIES: dict[str, tuple[int, ...]] = {
    "buc": (1, 2, 3, 5, 8, 10),
    "oră": (8, 16, 24, 40, 80),
    "zi": (1, 2, 3, 5),
    "lună": (3, 6, 12),
    "an": (5, 10, 15, 25),
}

# The trade-register office (ONRC) number of each county, as in J12/3456/2015.
ONRC_CODES: dict[str, int] = {
    "AB": 1,
    "AR": 2,
    "AG": 3,
    "BC": 4,
    "BH": 5,
    "BN": 6,
    "BT": 7,
    "BV": 8,
    "BR": 9,
    "BZ": 10,
    "CS": 11,
    "CJ": 12,
    "CT": 13,
    "CV": 14,
    "DB": 15,
    "DJ": 16,
    "GL": 17,
    "GJ": 18,
    "HR": 19,
    "HD": 20,
    "IL": 21,
    "IS": 22,
    "IF": 23,
    "MM": 24,
    "MH": 25,
    "MS": 26,
    "NT": 27,
    "OT": 28,
    "PH": 29,
    "SM": 30,
    "SJ": 31,
    "SB": 32,
    "SV": 33,
    "TR": 34,
    "TM": 35,
    "TL": 36,
    "VS": 37,
    "VL": 38,
    "VN": 39,
    "B": 40,
    "CL": 51,
    "GR": 52,
}

# CUIs whose control digit is right (key 753217532), one for each company.
CUIS: tuple[str, ...] = (
    "23582536",
    "16327077",
    "26560095",
    "37302172",
    "12025270",
    "13038198",
    "32476526",
    "13948100",
    "25338105",
    "34443908",
    "12432657",
    "31283390",
    "19005092",
    "11572687",
    "13604882",
    "28188410",
    "27539415",
    "12929940",
    "20094131",
    "13804775",
    "33112590",
    "27805622",
    "12479277",
    "33716848",
    "15192630",
    "19363325",
    "36450367",
    "36316455",
    "34452663",
    "12594683",
)


class ProspectSpec(NamedTuple):
    name: str  # the company, or "First Last" for a person
    county: str
    locality: str
    source: str
    priority: str
    status: str
    owner: int  # index in TEAM
    person: bool = False


NEW, IN_PROGRESS = ProspectStatus.NEW, ProspectStatus.IN_PROGRESS
QUALIFIED, DISQUALIFIED = ProspectStatus.QUALIFIED, ProspectStatus.DISQUALIFIED
CONVERTED = ProspectStatus.CONVERTED
HIGH, MEDIUM, LOW = Priority.HIGH, Priority.MEDIUM, Priority.LOW
WEB, REFERRAL, EVENT = ProspectSource.WEBSITE, ProspectSource.REFERRAL, ProspectSource.EVENT
COLD_CALL, PARTNER = ProspectSource.COLD_CALL, ProspectSource.PARTNER
SOCIAL, TENDER, CAMPAIGN = ProspectSource.SOCIAL, ProspectSource.TENDER, ProspectSource.CAMPAIGN
MIHAI, STEFANIA = SALES_MIHAI, SALES_STEFANIA
PERSON = True

PROSPECTS: tuple[ProspectSpec, ...] = (
    ProspectSpec("Agroțara Bărăgan SRL", "CL", "Călărași", EVENT, HIGH, CONVERTED, MIHAI),
    ProspectSpec("Brădet Mobilier SRL", "SV", "Rădăuți", REFERRAL, MEDIUM, CONVERTED, STEFANIA),
    ProspectSpec("Cetățuia Construcții SA", "CJ", "Cluj-Napoca", WEB, HIGH, CONVERTED, MANAGER),
    ProspectSpec("Dacia Trans Logistic SRL", "AG", "Mioveni", COLD_CALL, MEDIUM, CONVERTED, MIHAI),
    ProspectSpec(
        "Brutăria Sfântu Gheorghe SRL", "CV", "Sfântu Gheorghe", PARTNER, LOW, CONVERTED, STEFANIA
    ),
    ProspectSpec("Hotel Țara Hațegului SRL", "HD", "Hațeg", SOCIAL, MEDIUM, CONVERTED, MIHAI),
    ProspectSpec("Învățământ Plus SRL", "IS", "Iași", TENDER, HIGH, CONVERTED, OWNER),
    ProspectSpec("Moara Cibin SA", "SB", "Sibiu", EVENT, MEDIUM, CONVERTED, MANAGER),
    ProspectSpec("Oțelinox Prelucrări SRL", "DB", "Târgoviște", WEB, HIGH, CONVERTED, STEFANIA),
    ProspectSpec(
        "Clinica Sănătatea Bihorului SRL", "BH", "Oradea", REFERRAL, HIGH, CONVERTED, MIHAI
    ),
    ProspectSpec("Timiș Auto Piese SRL", "TM", "Timișoara", CAMPAIGN, MEDIUM, CONVERTED, STEFANIA),
    ProspectSpec("Ștefan Pițigoi", "DJ", "Craiova", REFERRAL, LOW, CONVERTED, MIHAI, PERSON),
    ProspectSpec("Ghețarul Alimentar SRL", "BV", "Brașov", WEB, MEDIUM, QUALIFIED, MIHAI),
    ProspectSpec(
        "Lăcătușeria Mureșeanu SRL", "MS", "Târgu Mureș", COLD_CALL, LOW, QUALIFIED, STEFANIA
    ),
    ProspectSpec("Vinăria Dealu Mare SRL", "PH", "Urlați", EVENT, HIGH, QUALIFIED, MANAGER),
    ProspectSpec("Tipografia Ardealul SRL", "AB", "Alba Iulia", PARTNER, MEDIUM, QUALIFIED, OWNER),
    ProspectSpec("Năvodari Port Services SRL", "CT", "Năvodari", TENDER, HIGH, IN_PROGRESS, MIHAI),
    ProspectSpec("Pădurea Verde Eco SRL", "MM", "Baia Mare", SOCIAL, MEDIUM, IN_PROGRESS, STEFANIA),
    ProspectSpec("Răsăritul Farm SRL", "BT", "Botoșani", CAMPAIGN, LOW, IN_PROGRESS, MIHAI),
    ProspectSpec("Șantierul Dunărea Brăila SRL", "BR", "Brăila", WEB, HIGH, IN_PROGRESS, MANAGER),
    ProspectSpec(
        "Țesătoria Vâlceană SRL", "VL", "Râmnicu Vâlcea", REFERRAL, MEDIUM, IN_PROGRESS, STEFANIA
    ),
    ProspectSpec("Cătălina Dumitrașcu", "GL", "Galați", WEB, LOW, IN_PROGRESS, MIHAI, PERSON),
    ProspectSpec("Băneasa Office Park SRL", "B", "București", CAMPAIGN, HIGH, NEW, STEFANIA),
    ProspectSpec("Cramele Hușilor SRL", "VS", "Huși", EVENT, MEDIUM, NEW, MIHAI),
    ProspectSpec("Distribuție Gorjeană SRL", "GJ", "Târgu Jiu", COLD_CALL, LOW, NEW, STEFANIA),
    ProspectSpec("Răzvan Țuțuianu", "BC", "Onești", SOCIAL, MEDIUM, NEW, MIHAI, PERSON),
    ProspectSpec("Termoplast Ilfov SRL", "IF", "Voluntari", WEB, MEDIUM, NEW, MANAGER),
    ProspectSpec(
        "Farmacia Sfânta Maria SRL", "NT", "Piatra Neamț", PARTNER, MEDIUM, DISQUALIFIED, MIHAI
    ),
    ProspectSpec("Crișana Software Studio SRL", "AR", "Arad", WEB, LOW, DISQUALIFIED, STEFANIA),
    ProspectSpec("Ilinca Bârsan", "SM", "Carei", SOCIAL, LOW, DISQUALIFIED, MIHAI, PERSON),
)
DISQUALIFY_REASONS: dict[str, str] = {
    "Farmacia Sfânta Maria SRL": "Au semnat deja cu un furnizor local pe trei ani.",
    "Crișana Software Studio SRL": "Sunt concurenți direcți; cereau doar lista de prețuri.",
    "Ilinca Bârsan": "Persoană fizică fără nevoi de firmă; căuta un laptop personal.",
}
# The industry a salesperson fills in on the account after converting.
INDUSTRIES: dict[str, str] = {
    "Agroțara Bărăgan SRL": "Agricultură",
    "Brădet Mobilier SRL": "Producție mobilier",
    "Cetățuia Construcții SA": "Construcții",
    "Dacia Trans Logistic SRL": "Transport și logistică",
    "Brutăria Sfântu Gheorghe SRL": "Industrie alimentară",
    "Hotel Țara Hațegului SRL": "Turism",
    "Învățământ Plus SRL": "Educație",
    "Moara Cibin SA": "Morărit și panificație",
    "Oțelinox Prelucrări SRL": "Prelucrări metalice",
    "Clinica Sănătatea Bihorului SRL": "Sănătate",
    "Timiș Auto Piese SRL": "Comerț cu piese auto",
    "Ștefan Pițigoi": "Avocatură",
}

# Accounts made directly (name, county, locality, industry, owner): no prospect before them.
DIRECT_ACCOUNTS: tuple[tuple[str, str, str, str, int], ...] = (
    ("Primăria Comunei Florești", "CJ", "Florești", "Administrație publică", MANAGER),
    ("Lactate Mărginimea Sibiului SRL", "SB", "Săliște", "Industrie alimentară", STEFANIA),
    ("Tehnoserv Bucovina SRL", "SV", "Suceava", "Servicii IT", MIHAI),
)


class OfferSpec(NamedTuple):
    title: str
    account: str  # the account's name
    currency: str
    status: str
    issued_days_ago: int
    # The account's first (oldest) offer, made while converting the prospect.
    with_conversion: bool = False


DRAFT, SENT, NEGOTIATION = OfferStatus.DRAFT, OfferStatus.SENT, OfferStatus.NEGOTIATION
WON, LOST = OfferStatus.WON, OfferStatus.LOST
FIRST = True  # made while converting
AGRO, BRADET, CETATUIA = "Agroțara Bărăgan SRL", "Brădet Mobilier SRL", "Cetățuia Construcții SA"
DACIA, BRUTARIA = "Dacia Trans Logistic SRL", "Brutăria Sfântu Gheorghe SRL"
HOTEL, SCOALA, MOARA = "Hotel Țara Hațegului SRL", "Învățământ Plus SRL", "Moara Cibin SA"
OTELINOX, CLINICA = "Oțelinox Prelucrări SRL", "Clinica Sănătatea Bihorului SRL"
AUTO, AVOCAT, PRIMARIA = "Timiș Auto Piese SRL", "Ștefan Pițigoi", "Primăria Comunei Florești"
LACTATE, TEHNOSERV = "Lactate Mărginimea Sibiului SRL", "Tehnoserv Bucovina SRL"

OFFERS: tuple[OfferSpec, ...] = (
    OfferSpec("ERP pentru ferma de cereale", AGRO, "RON", WON, 38, FIRST),
    OfferSpec("Extindere licențe ERP 2026", AGRO, "EUR", NEGOTIATION, 12),
    OfferSpec("Modul producție și stocuri pentru mobilă", BRADET, "RON", SENT, 9),
    OfferSpec("Implementare ERP și instruire", CETATUIA, "EUR", WON, 35, FIRST),
    OfferSpec("Suport tehnic Premium pentru șantiere", CETATUIA, "EUR", SENT, 6),
    OfferSpec("Urmărirea flotei și facturarea transporturilor", DACIA, "RON", LOST, 30),
    OfferSpec("Stații de lucru pentru dispecerat", DACIA, "RON", DRAFT, 2),
    OfferSpec("Gestiunea producției de panificație", BRUTARIA, "RON", NEGOTIATION, 15),
    OfferSpec("Rețea și stații pentru recepție", HOTEL, "RON", WON, 28, FIRST),
    OfferSpec("Platformă de înscrieri online", SCOALA, "RON", LOST, 33),
    OfferSpec("Cursuri de competențe digitale", SCOALA, "RON", DRAFT, 1),
    OfferSpec("ERP Profesional pentru moară", MOARA, "EUR", NEGOTIATION, 20, FIRST),
    OfferSpec("Server și backup pentru hală", OTELINOX, "EUR", SENT, 4),
    OfferSpec("Laptopuri pentru cabinetele medicale", CLINICA, "RON", WON, 25, FIRST),
    OfferSpec("Digitalizarea programărilor", CLINICA, "RON", SENT, 10),
    OfferSpec("Catalog online de piese auto", AUTO, "EUR", LOST, 27),
    OfferSpec("Abonament suport Standard", AUTO, "RON", DRAFT, 0),
    OfferSpec("Gestiunea dosarelor și a termenelor", AVOCAT, "RON", WON, 18),
    OfferSpec("Sistem informatic pentru registratură", PRIMARIA, "RON", NEGOTIATION, 14),
    OfferSpec("Colectarea laptelui și trasabilitate", LACTATE, "RON", LOST, 22),
    OfferSpec("Modernizarea infrastructurii IT", LACTATE, "RON", DRAFT, 3),
    OfferSpec("Parteneriat de revânzare a licențelor", TEHNOSERV, "EUR", WON, 16),
    OfferSpec("Migrare date și găzduire în cloud", TEHNOSERV, "RON", SENT, 7),
    OfferSpec("Instruirea administratorilor de sistem", BRADET, "RON", DRAFT, 5),
)
LOST_REASONS: dict[str, str] = {
    "Urmărirea flotei și facturarea transporturilor": "Preț mai mare decât al concurenței.",
    "Platformă de înscrieri online": "Licitația a fost câștigată de alt ofertant.",
    "Catalog online de piese auto": "Proiect amânat pentru anul viitor.",
    "Colectarea laptelui și trasabilitate": "Bugetul de investiții a fost redus.",
}

FIRST_NAMES: tuple[str, ...] = (
    "Andreea",
    "Bogdan",
    "Cristina",
    "Dănuț",
    "Elena",
    "Florin",
    "Gheorghița",
    "Horațiu",
    "Ioana",
    "Iulian",
    "Lavinia",
    "Marius",
    "Mădălina",
    "Nicușor",
    "Oana",
    "Petruța",
    "Radu",
    "Sânziana",
    "Ștefan",
    "Tudor",
    "Valentina",
    "Viorel",
    "Cosmin",
    "Ionuț",
    "Aurelia",
    "Corina",
    "Costel",
    "Smaranda",
    "Traian",
    "Mirela",
)
LAST_NAMES: tuple[str, ...] = (
    "Popescu",
    "Mureșan",
    "Bălănescu",
    "Stănescu",
    "Dobrescu",
    "Răducanu",
    "Pătrașcu",
    "Oprișan",
    "Cîrstea",
    "Ghiță",
    "Șerban",
    "Toma",
    "Vlăduț",
    "Nistor",
    "Chiriță",
    "Bârlădeanu",
    "Ungureanu",
    "Fărcaș",
    "Moldovan",
    "Sârbu",
    "Țăranu",
    "Lăzărescu",
    "Jitaru",
    "Costache",
)
# (job title, department), the first ones are the people who decide.
JOBS: tuple[tuple[str, str], ...] = (
    ("Director general", ContactDepartment.MANAGEMENT),
    ("Administrator", ContactDepartment.MANAGEMENT),
    ("Director economic", ContactDepartment.FINANCE),
    ("Contabil-șef", ContactDepartment.FINANCE),
    ("Responsabil achiziții", ContactDepartment.PROCUREMENT),
    ("Manager IT", ContactDepartment.TECHNICAL),
    ("Inginer de sistem", ContactDepartment.TECHNICAL),
    ("Director de vânzări", ContactDepartment.SALES),
)
STREETS: tuple[str, ...] = (
    "Str. Mihai Eminescu",
    "Bd. Independenței",
    "Calea Victoriei",
    "Str. Fabricii",
    "Bd. Unirii",
    "Str. Avram Iancu",
    "Str. Gheorghe Doja",
    "Str. Ștefan cel Mare",
    "Calea Națională",
    "Str. Horea",
    "Str. Păcii",
    "Aleea Trandafirilor",
    "Str. Morii",
    "Str. Industriilor",
    "Str. Lalelelor",
    "Șoseaua Gării",
)
NEEDS: tuple[str, ...] = (
    "Folosesc foi Excel pentru stocuri și vor un ERP cu facturare electronică (e-Factura).",
    "Vor să înlocuiască un program vechi de gestiune care nu mai primește actualizări.",
    "Au nevoie de rapoarte zilnice pentru conducere și de acces de pe telefon.",
    "Cresc rapid și vor un CRM pentru echipa de vânzări din teren.",
    "Interesați de găzduire în cloud și copii de siguranță automate.",
    "Caută un partener pentru instruirea angajaților și suport pe termen lung.",
)
PROSPECT_NOTES: tuple[str, ...] = (
    "Decizia se ia în consiliul de administrație de la sfârșitul lunii.",
    "Au un buget aprobat pentru digitalizare; cer ofertă în lei, cu TVA separat.",
    "Contabilul folosește alt program; vrea export pentru declarațiile ANAF.",
    "Ne-au cunoscut la târgul de la Cluj; vor o demonstrație la sediul lor.",
    "Preferă comunicarea pe e-mail; la telefon răspund doar dimineața.",
    "Au cerut referințe de la clienți din același domeniu.",
)
ACCOUNT_NOTES: tuple[str, ...] = (
    "Facturile se trimit doar în format electronic, cu număr de comandă.",
    "Plata la 30 de zile; au plătit mereu la termen.",
    "Persoana de contact pentru suport este managerul IT, nu directorul.",
    "Vor să extindă licențele după ce deschid al doilea punct de lucru.",
)
OFFER_NOTES: dict[str, str] = {
    DRAFT: "De verificat cu echipa tehnică numărul de zile de implementare.",
    SENT: "Oferta a plecat pe e-mail către toți decidenții; așteptăm întrebări.",
    NEGOTIATION: "Cer un discount suplimentar de 5% la plata integrală în avans.",
    WON: "Contract semnat; avansul de 30% se facturează la pornirea proiectului.",
    LOST: "Păstrăm legătura: reluăm discuția la următorul buget anual.",
}
OFFER_TASKS: dict[str, str] = {
    DRAFT: "Finalizează oferta și trimite-o clientului",
    SENT: "Sună pentru feedback la ofertă",
    NEGOTIATION: "Pregătește varianta revizuită a ofertei",
    WON: "Emite factura de avans",
}
CALL_OUTCOMES: tuple[str, ...] = (
    "Interesați; au cerut o prezentare a modulului de stocuri.",
    "Au confirmat bugetul și termenul dorit pentru implementare.",
    "Revin după ședința cu asociații.",
    "Au trimis lista de cerințe pe e-mail.",
)
MEETING_OUTCOMES: tuple[str, ...] = (
    "Demonstrație bună; directorul a cerut ofertă pentru 10 utilizatori.",
    "Am stabilit etapele proiectului și persoanele-cheie.",
    "Au întrebat de integrarea cu e-Factura și SAGA.",
)


# --- The builder -----------------------------------------------------------------------


class _DemoBuilder:
    """Builds the demo organisation, step by step, through the services."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.team: list[User] = []
        self.cuis = iter(CUIS)
        self.products: list[Product] = []
        self.accounts: dict[str, Account] = {}
        self.to_convert: dict[str, tuple[Prospect, User]] = {}
        # Due offsets in days, taken in turn: overdue, today and upcoming all occur.
        self.due_offsets = itertools.cycle(
            (-3, 0, 2, -1, 5, 0, 9, -6, 1, 14, 0, 3, -2, 7, 21, 4, -4, 11, 0, 6)
        )

    # -- helpers --

    def at(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        """An aware time ``days`` from the organisation's today, local wall-clock time."""
        return dt.datetime.combine(
            self.today + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=self.tz
        )

    def user(self, index: int) -> User:
        return self.team[index]

    def owner_of(self, account: Account) -> User:
        return next(member for member in self.team if member.pk == account.owner_id)

    def contact_ids(self, **parent: Any) -> list[Any]:
        """Contacts of a record, primary first (reads are fine; writes go through services)."""
        return list(
            Contact.objects.for_org(self.org)
            .filter(**parent)
            .order_by("-is_primary", "last_name", "first_name")
            .values_list("pk", flat=True)
        )

    @staticmethod
    def domain_of(name: str) -> str:
        words = [w for w in name.split() if w not in {"SRL", "SA"}]
        return slugify(search_key(" ".join(words))) + ".ro"

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def phone(self, mobile: bool = True) -> str:
        prefix = f"7{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}" if mobile else "2"
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(9 - len(prefix)))
        number = prefix + digits
        return f"+40 {number[:3]} {number[3:6]} {number[6:]}"

    def identity(self, name: str, county: str, locality: str) -> dict[str, Any]:
        """A company's CUI, trade-register number, address and contact details."""
        number, year = self.rng.randint(100, 9999), self.rng.randint(1995, 2022)
        return {
            "cui": next(self.cuis),
            "vat_payer": self.rng.random() < 0.8,
            "trade_register": f"J{ONRC_CODES[county]}/{number}/{year}",
            "address": f"{self.rng.choice(STREETS)} nr. {self.rng.randint(1, 120)}",
            "locality": locality,
            "county": county,
            "phone": self.phone(mobile=False),
            "email": f"office@{self.domain_of(name)}",
            "website": f"https://www.{self.domain_of(name)}",
        }

    # -- steps --

    def build(self) -> Organization:
        self.people()
        self.exchange_rates()
        self.catalogue()
        self.prospects()
        self.conversions_without_offer()
        self.direct_accounts()
        self.offers()
        self.standalone_tasks()
        self.reminder_soon()
        self.field_agent()
        return self.org

    def people(self) -> None:
        for first_name, last_name, email, _role, _department in TEAM:
            self.team.append(
                user_create(
                    email=email,
                    password=DEMO_PASSWORD,
                    first_name=first_name,
                    last_name=last_name,
                    language="ro",
                    check_password=False,
                )
            )
        owner = self.user(OWNER)
        self.org = organization_create(owner=owner, slug=DEMO_SLUG, **ORGANIZATION)
        self.today = org_today(self.org)
        self.tz = ZoneInfo(self.org.time_zone)
        departments: dict[str, Department] = {}
        for name, description, parent in DEPARTMENTS:
            departments[name] = department_create(
                org=self.org,
                user=owner,
                name=name,
                description=description,
                parent_id=departments[parent].pk if parent else None,
            )
        for member, (_first, _last, _email, role, department) in zip(self.team, TEAM, strict=True):
            if member == owner:
                continue
            membership_add(
                org=self.org,
                user=owner,
                member=member,
                role=role,
                department=departments[department],
            )
        # The owner works in sales too.
        membership = Membership.objects.get(organization=self.org, user=owner)
        membership_update(
            org=self.org, user=owner, membership_id=membership.pk, department=departments[SALES]
        )
        # The manager heads sales, and so its Brașov and Cluj teams.
        department_update(
            org=self.org,
            user=owner,
            department_id=departments[SALES].pk,
            head_id=self.user(MANAGER).pk,
        )

    def field_agent(self) -> None:
        """Mihai works as a field agent: his own records and what hangs on them.
        Given last, once the records the demo builds in his name exist."""
        owner = self.user(OWNER)
        grants = copy.deepcopy(BUILT_IN_GRANTS[Role.SALES])
        for module in FIELD_AGENT_MODULES:
            grants[module] = {**dict.fromkeys(ACTIONS, Scope.OWN.value), "create": "all"}
        role = custom_role_create(org=self.org, user=owner, name=FIELD_AGENT, grants=grants)
        membership = Membership.objects.get(organization=self.org, user=self.user(SALES_MIHAI))
        membership_update(
            org=self.org, user=owner, membership_id=membership.pk, custom_role_id=role.pk
        )

    def exchange_rates(self) -> None:
        manager = self.user(MANAGER)
        for currency, (start, step, low, high) in RATE_WALKS.items():
            rate, step_size, floor, ceiling = (Decimal(v) for v in (start, step, low, high))
            for days_ago in range(RATE_DAYS - 1, -1, -1):
                move = Decimal(self.rng.randint(-100, 100)) / 100 * step_size
                rate = min(max(rate + move, floor), ceiling).quantize(Decimal("0.0001"))
                exchange_rate_set(
                    org=self.org,
                    user=manager,
                    currency=currency,
                    date=self.today - dt.timedelta(days=days_ago),
                    rate=rate,
                    source=RateSource.MANUAL,
                )

    def catalogue(self) -> None:
        manager = self.user(MANAGER)
        for item in PRODUCTS:
            self.products.append(
                product_create(
                    org=self.org,
                    user=manager,
                    kind=item.kind,
                    code=item.code,
                    name=item.name,
                    unit=item.unit,
                    price=Decimal(item.price),
                    currency=item.currency,
                    price_includes_vat=item.includes_vat,
                    vat_rate=Decimal(item.vat),
                    track_stock=item.stock is not None,
                    stock_quantity=Decimal(item.stock) if item.stock is not None else None,
                    description=PRODUCT_DESCRIPTIONS[item.code],
                )
            )

    def add_contacts(self, *, actor: User, company: str, count: int, **parent: Any) -> None:
        domain = self.domain_of(company)
        jobs = self.rng.sample(JOBS, count)
        for position, (job_title, department) in enumerate(jobs):
            first_name, last_name = self.person()
            local = f"{search_key(first_name)}.{search_key(last_name)}".replace(" ", "")
            contact_create(
                org=self.org,
                user=actor,
                first_name=first_name,
                last_name=last_name,
                email=f"{local}@{domain}",
                phone=self.phone(),
                job_title=job_title,
                department=department,
                is_primary=position == 0,
                **parent,
            )

    def log_activity(
        self,
        *,
        actor: User,
        kind: str,
        subject: str,
        days: int,
        hour: int,
        record: Prospect | Account | Offer,
    ) -> None:
        """A done activity in the past, or a planned one from today on."""
        done = days < 0
        start = self.at(days, hour, self.rng.choice((0, 30)))
        length = 60 if kind == ActivityKind.MEETING else 15
        outcomes = MEETING_OUTCOMES if kind == ActivityKind.MEETING else CALL_OUTCOMES
        # Participants are contacts of the record (of its account, for an offer).
        if isinstance(record, Prospect):
            parent_ids, contacts = {"prospect_id": record.pk}, self.contact_ids(prospect=record)
        elif isinstance(record, Account):
            parent_ids, contacts = {"account_id": record.pk}, self.contact_ids(account=record)
        else:
            parent_ids = {"offer_id": record.pk}
            contacts = self.contact_ids(account_id=record.account_id)
        activity_create(
            org=self.org,
            user=actor,
            kind=kind,
            subject=subject,
            status=ActivityStatus.DONE if done else ActivityStatus.PLANNED,
            start_at=start,
            end_at=start + dt.timedelta(minutes=length),
            location="La sediul clientului" if kind == ActivityKind.MEETING else "",
            outcome=self.rng.choice(outcomes) if done else "",
            participant_ids=contacts[:2],
            **parent_ids,
        )

    def add_task(
        self,
        *,
        actor: User,
        title: str,
        assignee: User | None = None,
        priority: str = MEDIUM,
        done: bool = False,
        **parent_ids: Any,
    ) -> None:
        days = next(self.due_offsets)
        task = task_create(
            org=self.org,
            user=actor,
            title=title,
            priority=priority,
            due_at=self.at(days, self.rng.choice((10, 12, 16, 18))),
            assignee_id=(assignee or actor).pk,
            **parent_ids,
        )
        if done:
            task_complete(org=self.org, user=actor, task_id=task.pk)
        elif days > 0 and self.rng.random() < 0.25:
            task_set_status(org=self.org, user=actor, task_id=task.pk, status="in_progress")

    def reminder_soon(self) -> None:
        """A task for the demo user due a few minutes after loading: with `make run` its
        reminder arrives in the app (and by e-mail on the worker's console) while you look."""
        due = timezone.now().replace(second=0, microsecond=0) + DEMO_REMINDER_IN
        task_create(
            org=self.org,
            user=self.user(MANAGER),
            title=DEMO_REMINDER_TITLE,
            description="Sarcină de demonstrație: mementoul vine la ora scadenței.",
            priority=HIGH,
            due_at=due,
            assignee_id=self.user(OWNER).pk,
        )

    def prospects(self) -> None:
        for index, spec in enumerate(PROSPECTS):
            actor = self.user(spec.owner)
            fields: dict[str, Any] = {
                "source": spec.source,
                "priority": spec.priority,
                "description": self.rng.choice(NEEDS),
            }
            if spec.person:
                first_name, last_name = spec.name.split(" ", 1)
                email = f"{search_key(first_name)}.{search_key(last_name)}@gmail.com"
                fields |= {
                    "kind": PartyKind.PERSON,
                    "first_name": first_name,
                    "last_name": last_name,
                    "locality": spec.locality,
                    "county": spec.county,
                    "phone": self.phone(),
                    "email": email,
                }
            else:
                fields |= {"kind": PartyKind.COMPANY, "company_name": spec.name}
                fields |= self.identity(spec.name, spec.county, spec.locality)
            prospect = prospect_create(org=self.org, user=actor, **fields)
            self.prospect_children(prospect, spec, actor, index)
            self.advance(prospect, spec, actor)

    def prospect_children(
        self, prospect: Prospect, spec: ProspectSpec, actor: User, index: int
    ) -> None:
        if spec.person:
            contact_create(
                org=self.org,
                user=actor,
                prospect_id=prospect.pk,
                first_name=prospect.first_name,
                last_name=prospect.last_name,
                email=prospect.email,
                phone=prospect.phone,
                is_primary=True,
            )
        else:
            self.add_contacts(
                actor=actor,
                company=spec.name,
                count=self.rng.randint(1, 3),
                prospect_id=prospect.pk,
            )
        if spec.status == NEW:
            if index % 2 == 0:
                self.log_activity(
                    actor=actor,
                    kind=ActivityKind.CALL,
                    days=index % 4,
                    hour=11,
                    subject="Primul apel de calificare",
                    record=prospect,
                )
            self.add_task(
                actor=actor, title="Trimite prezentarea companiei", prospect_id=prospect.pk
            )
            return
        self.log_activity(
            actor=actor,
            kind=ActivityKind.CALL,
            subject="Apel de descoperire",
            days=-self.rng.randint(20, 40),
            hour=10,
            record=prospect,
        )
        self.log_activity(
            actor=actor,
            kind=ActivityKind.EMAIL,
            subject="Trimis broșura și studiile de caz",
            days=-self.rng.randint(12, 19),
            hour=14,
            record=prospect,
        )
        if spec.status in (QUALIFIED, CONVERTED):
            self.log_activity(
                actor=actor,
                kind=ActivityKind.MEETING,
                subject="Demonstrație la sediul clientului",
                days=-self.rng.randint(2, 11),
                hour=11,
                record=prospect,
            )
        if spec.status in (IN_PROGRESS, QUALIFIED):
            self.log_activity(
                actor=actor,
                kind=ActivityKind.MEETING,
                subject="Analiza cerințelor cu echipa clientului",
                days=self.rng.randint(0, 20),
                hour=self.rng.choice((10, 13, 15)),
                record=prospect,
            )
        if spec.status != DISQUALIFIED or index % 2 == 0:
            note_create(
                org=self.org,
                user=actor,
                body=self.rng.choice(PROSPECT_NOTES),
                pinned=spec.priority == HIGH,
                prospect_id=prospect.pk,
            )
        if spec.status in (IN_PROGRESS, QUALIFIED, CONVERTED):
            self.add_task(
                actor=actor,
                title="Pregătește lista de cerințe pentru ofertă",
                priority=spec.priority,
                done=spec.status == CONVERTED,
                prospect_id=prospect.pk,
            )

    def advance(self, prospect: Prospect, spec: ProspectSpec, actor: User) -> None:
        """Walk the prospect to its status the way a salesperson would."""
        if spec.status == NEW:
            return
        prospect_set_status(
            org=self.org, user=actor, prospect_id=prospect.pk, status=ProspectStatus.IN_PROGRESS
        )
        if spec.status == DISQUALIFIED:
            prospect_disqualify(
                org=self.org,
                user=actor,
                prospect_id=prospect.pk,
                reason=DISQUALIFY_REASONS[spec.name],
            )
        if spec.status in (QUALIFIED, CONVERTED):
            prospect_qualify(org=self.org, user=actor, prospect_id=prospect.pk)
        if spec.status == CONVERTED:
            self.to_convert[spec.name] = (prospect, actor)

    def convert(self, name: str, first_offer: OfferSpec | None = None) -> Offer | None:
        """Convert a qualified prospect into an account, with its first offer if given."""
        prospect, actor = self.to_convert.pop(name)
        conversion = prospect_convert(
            org=self.org,
            user=actor,
            prospect_id=prospect.pk,
            offer=self.offer_fields(first_offer) if first_offer else None,
        )
        account = account_update(
            org=self.org, user=actor, account_id=conversion.account.pk, industry=INDUSTRIES[name]
        )
        self.accounts[account.name] = account
        self.account_children(account, actor, extra_contact=len(self.accounts) % 3 == 0)
        return conversion.offer

    def conversions_without_offer(self) -> None:
        """Prospects converted before any offer; the others convert when their offer is due."""
        with_offer = {spec.account for spec in OFFERS if spec.with_conversion}
        for name in [name for name in self.to_convert if name not in with_offer]:
            self.convert(name)

    def direct_accounts(self) -> None:
        for name, county, locality, industry, owner in DIRECT_ACCOUNTS:
            actor = self.user(owner)
            account = account_create(
                org=self.org,
                user=actor,
                kind=PartyKind.COMPANY,
                name=name,
                industry=industry,
                description=self.rng.choice(NEEDS),
                **self.identity(name, county, locality),
            )
            self.add_contacts(
                actor=actor, company=name, count=self.rng.randint(2, 3), account_id=account.pk
            )
            self.accounts[name] = account
            self.account_children(account, actor, extra_contact=False)

    def account_children(self, account: Account, actor: User, *, extra_contact: bool) -> None:
        if extra_contact:
            # Invoices go to someone who was not in the sales talks.
            first_name, last_name = self.person()
            contact_create(
                org=self.org,
                user=actor,
                account_id=account.pk,
                first_name=first_name,
                last_name=last_name,
                email=f"facturare@{self.domain_of(account.name)}",
                job_title="Contabil",
                department=ContactDepartment.FINANCE,
            )
        self.log_activity(
            actor=actor,
            kind=ActivityKind.MEETING,
            subject="Întâlnire trimestrială de cont",
            days=self.rng.randint(1, 30),
            hour=self.rng.choice((9, 11, 14)),
            record=account,
        )
        if len(self.accounts) % 2 == 1:
            note_create(
                org=self.org, user=actor, body=self.rng.choice(ACCOUNT_NOTES), account_id=account.pk
            )
            self.add_task(
                actor=actor,
                title="Actualizează datele de facturare ale clientului",
                account_id=account.pk,
            )

    def offer_fields(self, spec: OfferSpec) -> dict[str, Any]:
        issue_date = self.today - dt.timedelta(days=spec.issued_days_ago)
        probability = {DRAFT: 20, SENT: 40, NEGOTIATION: 70}.get(OfferStatus(spec.status), 50)
        if spec.status in (WON, LOST):
            expected_close = issue_date + dt.timedelta(days=21)
        else:
            expected_close = self.today + dt.timedelta(days=self.rng.randint(7, 45))
        return {
            "title": spec.title,
            "currency": spec.currency,
            "issue_date": issue_date,
            "valid_until": issue_date + dt.timedelta(days=30),
            "expected_close_date": expected_close,
            "probability": probability,
            "priority": self.rng.choice(Priority.values),
        }

    def offers(self) -> None:
        # Oldest first, so the gap-free offer numbers follow the issue dates.
        for spec in sorted(OFFERS, key=lambda spec: -spec.issued_days_ago):
            if spec.with_conversion:
                offer = self.convert(spec.account, first_offer=spec)
                assert offer is not None  # asked for, so prospect_convert made it
                account = self.accounts[spec.account]
                actor = self.owner_of(account)
            else:
                account = self.accounts[spec.account]
                actor = self.owner_of(account)
                offer = offer_create(
                    org=self.org, user=actor, account_id=account.pk, **self.offer_fields(spec)
                )
            self.offer_lines(offer, actor)
            contacts = self.contact_ids(account_id=account.pk)
            offer_contacts_set(
                org=self.org,
                user=actor,
                offer_id=offer.pk,
                contact_ids=contacts[: self.rng.randint(1, 2)],
            )
            self.offer_history(offer, spec, actor)

    def offer_lines(self, offer: Offer, actor: User) -> None:
        count = self.rng.randint(1, 5)
        products = self.rng.sample(self.products, count)
        free_line = count > 1 and self.rng.random() < 0.35
        for position, product in enumerate(products, start=1):
            if free_line and position == count:
                name, unit, price, vat = self.rng.choice(FREE_LINES)
                offer_line_add(
                    org=self.org,
                    user=actor,
                    offer_id=offer.pk,
                    name=name,
                    unit=unit,
                    quantity=Decimal(self.rng.choice(QUANTITIES[unit])),
                    unit_price=Decimal(price),
                    currency="RON",
                    vat_rate=Decimal(vat),
                )
                continue
            offer_line_add(
                org=self.org,
                user=actor,
                offer_id=offer.pk,
                product_id=product.pk,
                quantity=Decimal(self.rng.choice(QUANTITIES[product.unit])),
                discount_percent=Decimal(self.rng.choice((0, 0, 0, 5, 10))),
            )

    def offer_history(self, offer: Offer, spec: OfferSpec, actor: User) -> None:
        """Move the offer to its status, with the calls, meetings, notes and tasks around it."""
        closed_days_ago = max(spec.issued_days_ago - self.rng.randint(5, 12), 1)
        if spec.status != DRAFT:
            offer_change_status(org=self.org, user=actor, offer_id=offer.pk, status=SENT)
            self.log_activity(
                actor=actor,
                kind=ActivityKind.MEETING,
                subject="Prezentarea ofertei",
                hour=11,
                record=offer,
                days=-max(spec.issued_days_ago - 1, 1),
            )
        if spec.status in (NEGOTIATION, WON):
            offer_change_status(org=self.org, user=actor, offer_id=offer.pk, status=NEGOTIATION)
        if spec.status in (WON, LOST):
            offer_change_status(
                org=self.org,
                user=actor,
                offer_id=offer.pk,
                status=spec.status,
                closed_date=self.today - dt.timedelta(days=closed_days_ago),
                lost_reason=LOST_REASONS.get(spec.title, ""),
            )
            self.log_activity(
                actor=actor,
                kind=ActivityKind.MEETING if spec.status == WON else ActivityKind.CALL,
                subject="Semnarea contractului" if spec.status == WON else "Discuție de închidere",
                days=-closed_days_ago,
                hour=15,
                record=offer,
            )
        if spec.status in (SENT, NEGOTIATION):
            self.log_activity(
                actor=actor,
                kind=ActivityKind.CALL,
                subject="Apel de follow-up pentru ofertă",
                days=self.rng.randint(0, 10),
                hour=self.rng.choice((10, 12, 16)),
                record=offer,
            )
        if spec.status != SENT or self.rng.random() < 0.5:
            note_create(
                org=self.org,
                user=actor,
                body=OFFER_NOTES[spec.status],
                pinned=spec.status == NEGOTIATION,
                offer_id=offer.pk,
            )
        if spec.status in OFFER_TASKS:
            self.add_task(
                actor=actor,
                title=OFFER_TASKS[spec.status],
                priority=HIGH if spec.status == NEGOTIATION else MEDIUM,
                done=spec.status == WON,
                offer_id=offer.pk,
            )

    def standalone_tasks(self) -> None:
        manager, owner = self.user(MANAGER), self.user(OWNER)
        self.add_task(
            actor=owner,
            assignee=manager,
            priority=HIGH,
            title="Actualizează lista de prețuri pentru trimestrul următor",
        )
        self.add_task(actor=manager, title="Raportul lunar de vânzări pentru conducere")
        self.add_task(
            actor=manager,
            assignee=self.user(SALES_MIHAI),
            title="Completează rezervările pentru târgul de la Cluj",
        )
        self.add_task(
            actor=manager,
            assignee=self.user(SALES_STEFANIA),
            done=True,
            title="Verifică cursurile de schimb introduse",
        )
