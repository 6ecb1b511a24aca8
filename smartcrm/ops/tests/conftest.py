from smartcrm.notifications.tests.helpers import smtp_inbox

__all__ = ["smtp_inbox"]
