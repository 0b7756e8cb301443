from django.shortcuts import render

from .models import Law


def law_index(request):
    return render(request, "laws/law_index.html", {"laws": Law.objects.all()})
