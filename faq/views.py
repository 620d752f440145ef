from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from faq.selectors import faq_list_public


def faq_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One public FAQ with its department's contact; drafts and expired FAQs are not found."""
    faq = faq_list_public().filter(pk=pk).first()
    if faq is None:
        raise Http404
    return render(request, "faq/detail.html", {"faq": faq})
