from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Development only: the demo data (``seed_demo``) and the benchmark's generator (``generate_data``).

    No models, no pages. Its commands refuse to run with ``DEBUG`` off unless forced. It sits above every
    other app: it may import any of them, and none imports it (docs/architecture.md).
    """

    name = "demo"
    verbose_name = _("Demo and benchmark data")
