"""The project's URLs plus the naive admin (benchmark only; never in ``creditportal.urls``)."""

from django.urls import path

from creditportal.urls import urlpatterns as project_urlpatterns

from .naive import naive_site

urlpatterns = [path("naive-admin/", naive_site.urls), *project_urlpatterns]
