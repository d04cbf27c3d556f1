"""System checks of this project's own deployment rules (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from config.env import secret_key_problem


@register(Tags.security, deploy=True)
def secret_key_length(app_configs, **kwargs):
    problem = secret_key_problem(settings.SECRET_KEY, settings.DEBUG)
    return [Error(problem, id="config.E001")] if problem else []
