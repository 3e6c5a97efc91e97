"""GOV.UK-styled error pages, with the service's layout and navigation."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: context processors may be what failed.
    template = loader.get_template("errors/500.html")
    return HttpResponseServerError(template.render({"service_name": settings.SERVICE_NAME}))
