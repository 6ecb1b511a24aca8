"""``{% record_path %}``: the same path as ``{% url %}``, without reversing it for each row."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from smartcrm.web.templatetags.crm import record_path


@pytest.mark.parametrize(
    "name", ["tasks:task", "tasks:task-complete", "activities:activity-done", "sales:offer"]
)
def test_a_record_path_is_what_url_gives(name):
    record_id = uuid.uuid4()

    assert record_path(name, record_id) == reverse(name, args=[record_id])


def test_a_record_path_follows_the_script_prefix():
    record_id = uuid.uuid4()
    try:
        set_script_prefix("/crm/")
        assert record_path("tasks:task", record_id) == f"/crm/tasks/{record_id}/"
    finally:
        set_script_prefix("/")
    assert record_path("tasks:task", record_id) == f"/tasks/{record_id}/"


def test_what_is_not_an_id_is_reversed_as_url_would_and_fails_the_same():
    with pytest.raises(NoReverseMatch):
        record_path("tasks:task", "not-an-id")
    with pytest.raises(NoReverseMatch):
        record_path("tasks:no-such-page", uuid.uuid4())


def test_the_tag_names_its_result_in_a_template():
    record_id = uuid.uuid4()
    template = Template(
        "{% load crm %}{% record_path 'tasks:task' id as link %}<a href=\"{{ link }}\">"
    )

    assert template.render(Context({"id": record_id})) == f'<a href="/tasks/{record_id}/">'
