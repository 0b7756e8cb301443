from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Wagtail pages: home, course index, course and lesson."""

    name = "cms.courses"
    label = "courses"
    verbose_name = _("课程")
