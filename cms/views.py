"""Views of the site shell itself."""

from django.http import Http404, HttpRequest


def not_found(request: HttpRequest, *args, **kwargs):
    """Answer 404 for an address we keep from a mounted app (Wagtail's ``/admin/failwhale/``
    raises an exception on purpose, to test error reports: every request to it was a 500 and
    an error report, for anyone who could reach the admin)."""
    raise Http404
