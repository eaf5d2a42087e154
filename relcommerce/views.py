from django.shortcuts import render

from creators.selectors import creators_featured


def home(request):
    return render(request, "home.html", {"creators": creators_featured(limit=8)})
