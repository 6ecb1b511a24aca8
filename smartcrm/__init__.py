"""SmartCRM: an open-source, self-hostable CRM, Romanian market first."""

__version__ = "0.1.0"
