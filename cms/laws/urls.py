from django.urls import path, register_converter

from . import views
from .converters import IsoDateConverter

register_converter(IsoDateConverter, "isodate")

app_name = "laws"

urlpatterns = [
    path("", views.law_index, name="index"),
    path("search/", views.article_search, name="search"),
    path("<slug:key>/", views.law_detail, name="detail"),
    path("<slug:key>/compare/", views.law_compare, name="compare"),
    path("<slug:key>/<isodate:version_date>/", views.law_detail, name="version"),
]
