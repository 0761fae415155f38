"""Shared model pieces: timestamps, the marking scale, and the ``visible_to`` rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import Access, User


#: What a marking colour may be: it is written into a stylesheet (core.views.marking_stylesheet).
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class MarkingLevel(BaseModel):
    """One level of the deployment's ordered classification scale (default NP < DR < C)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    label = models.CharField(_("label"), max_length=80)
    label_en = models.CharField(_("label in English"), max_length=80, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("Higher is more sensitive.")
    )
    colour = models.CharField(
        _("banner colour"),
        max_length=7,
        default="#2e7d32",
        help_text=_("CSS colour, e.g. #c62828."),
        validators=[
            RegexValidator(
                HEX_COLOUR, _("Enter a colour as # and six hexadecimal digits, e.g. #c62828.")
            )
        ],
    )
    is_public = models.BooleanField(
        _("releasable to the public"),
        default=False,
        help_text=_("Items at this level may appear in press communiqués."),
    )

    class Meta:
        ordering = ["rank"]
        verbose_name = _("marking level")
        verbose_name_plural = _("marking levels")

    def __str__(self) -> str:
        return self.code

    @classmethod
    def lowest(cls) -> MarkingLevel:
        level = cls.objects.order_by("rank").first()
        if level is None:
            raise cls.DoesNotExist("The marking scale is empty.")
        return level


def default_marking_id() -> int | None:
    """The lowest level of the scale, used as the default marking of new items."""
    return MarkingLevel.objects.order_by("rank").values_list("pk", flat=True).first()


class ClassifiedQuerySet(models.QuerySet):
    """``visible_to(user)``: the one place where clearance and need-to-know are applied."""

    def visible_to(self, user: User | AnonymousUser) -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.visible_with(user.access)

    def visible_with(self, access: Access) -> Self:
        """What an active user with ``access`` may see: the rule itself, for the callers that
        hold an :class:`~liptako.accounts.models.Access` rather than a user (a query compiled
        once for many readers, liptako.core.compiled)."""
        if not access.sees_content:
            return self.none()
        queryset = self.filter(classification__rank__lte=access.clearance_rank)
        if access.sees_all_member_states:
            return queryset
        through = self.model._meta.get_field("releasable_to").remote_field.through  # type: ignore[union-attr]
        source = f"{self.model._meta.model_name}_id"
        restricted = through.objects.filter(**{source: OuterRef("pk")})
        released_to_user = restricted.filter(memberstate_id__in=access.member_state_ids)
        return queryset.filter(~Exists(restricted) | Exists(released_to_user))


class ClassifiedModel(BaseModel):
    """An item carrying a marking and, optionally, the member states it is releasable to.

    An empty ``releasable_to`` means releasable to every member state of the alliance.
    """

    classification = models.ForeignKey(
        MarkingLevel,
        verbose_name=_("classification"),
        on_delete=models.PROTECT,
        related_name="+",
        default=default_marking_id,
    )
    releasable_to = models.ManyToManyField(
        "alliance.MemberState",
        verbose_name=_("releasable to"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to release to every member state."),
    )

    objects = ClassifiedQuerySet.as_manager()

    class Meta:
        abstract = True


class SubmissionKey(models.Model):
    """A form submission already answered: (user, key) → where its answer sent the browser.

    The key is the hidden ``idempotency_key`` field that ``forms.js`` adds to every POST form.
    A second submission with the same key (a double click, a resubmit after a dropped
    connection) gets the first answer again and changes nothing (decision 0162). Only
    answers that move the browser on are kept (redirects, HTMX redirects): a form shown
    again with its errors can be corrected and sent with the same key.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    key = models.UUIDField(editable=False)
    path = models.CharField(max_length=2000, editable=False)
    status_code = models.PositiveSmallIntegerField(editable=False)
    headers = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_submission_key_unique"),
        ]
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code}"
