from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from faq.selectors import category_list_with_public_faqs, department_list


def home(request: HttpRequest) -> HttpResponse:
    """The town's home page: FAQs by category and the department directory."""
    return render(
        request,
        "home.html",
        {"groups": category_list_with_public_faqs(), "departments": department_list()},
    )
