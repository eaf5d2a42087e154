"""Django's admin app with relcommerce's staff site as the default (relcommerce/admin_site.py).

A module of its own: it is imported while apps load, before the site's models can be."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "relcommerce.admin_site.StaffAdminSite"
