"""Turning a report into bytes: options, i18n, templates, charts."""
