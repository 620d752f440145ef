"""Who may do what with change requests: reviewers, the departments a user submits for, what they may see."""

from typing import Any

from django.db.models import QuerySet

from changeflow.models import ChangeRequest
from faq.models import Department

User = Any


def is_reviewer(user: User) -> bool:
    return bool(user.is_active and user.has_perm("changeflow.review_changerequest"))


def departments_for(user: User) -> QuerySet[Department]:
    """Departments a user may submit changes for: their own; reviewers and superusers, all."""
    if not user.is_active:
        return Department.objects.none()
    if is_reviewer(user) or getattr(user, "is_superuser", False):
        return Department.objects.all()
    return Department.objects.filter(members__user=user)


def change_list_visible(user: User) -> QuerySet[ChangeRequest]:
    if is_reviewer(user) or getattr(user, "is_superuser", False):
        return ChangeRequest.objects.all()
    return ChangeRequest.objects.filter(department__in=departments_for(user))


def can_view(user: User, change: ChangeRequest) -> bool:
    return change_list_visible(user).filter(pk=change.pk).exists()


def can_review(user: User, change: ChangeRequest) -> bool:
    """Reviewers approve or reject, never their own submission."""
    return is_reviewer(user) and change.created_by_id != user.pk
