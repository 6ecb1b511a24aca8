"""The browser fixtures of smartcrm/web/tests/browser, for the jobs page's browser test
(pytest applies a conftest to its own directory only; see smartcrm/imports/tests/browser)."""

from smartcrm.web.tests.browser.conftest import (
    browser,
    chromium_path,
    page_factory,
    pytest_runtest_makereport,
)

__all__ = ["browser", "chromium_path", "page_factory", "pytest_runtest_makereport"]
