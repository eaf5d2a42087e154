"""The Studio is for creators: anyone else is sent to where selling starts.

Where that is belongs to a higher app (shops fills the `start_selling` link group from
its AppConfig.ready(), core/slots.py), so creators names no shops URL.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from core import slots


def start_selling_redirect(request) -> HttpResponse:
    messages.info(request, "Open a shop first: it takes a minute.")
    start = slots.links("start_selling")
    return redirect(start[0].url_name if start else "creators:account")
