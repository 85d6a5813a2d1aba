"""Customer words for templates: `{% load customer_tags %}`."""

from __future__ import annotations

from django import template

from tousu.customers.choices import value_tier_label

register = template.Library()

# `{{ customer.value_tier|value_tier }}`: 五星 reads "5-star" in English, 五星 in Chinese.
register.filter("value_tier", value_tier_label)
