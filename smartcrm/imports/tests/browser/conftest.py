"""The browser fixtures of smartcrm/web/tests/browser, for the import flow's browser test.

pytest applies a conftest to its own directory only, and ``pytest_plugins`` is allowed in the
root conftest alone: the fixtures (Chromium, pages on the live server that fail the test on a
console error) and the report hook (a screenshot of every page when a test fails) are imported
here from the one place they are defined.
"""

from smartcrm.web.tests.browser.conftest import (
    browser,
    chromium_path,
    page_factory,
    pytest_runtest_makereport,
)

__all__ = ["browser", "chromium_path", "page_factory", "pytest_runtest_makereport"]
