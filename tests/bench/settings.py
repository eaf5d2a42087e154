"""Settings for `make bench`: the production settings plus the bare-Django baseline views.

gunicorn serves the app with these (DJANGO_SETTINGS_MODULE=tests.bench.settings), so the
baseline pages at /bench/… go through exactly the same middleware, database and cache
as the real pages, yet never exist in the production URLconf.
"""

import os
from pathlib import Path

from relcommerce.settings import *  # noqa: F403
from relcommerce.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "tests.bench.urls"

TEMPLATES = [
    {
        **TEMPLATES[0],
        "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"],
    },
    *TEMPLATES[1:],
]

# run.sh collects static files into a temporary folder, so a benchmark never touches the
# project's own staticfiles/ (whitenoise's manifest storage needs them when DEBUG=0).
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
