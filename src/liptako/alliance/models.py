"""The alliance directory: member states, organisations, people and the positions they hold."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liptako.alliance.search import normalise_for_search
from liptako.core.models import BaseModel


def _include_search_text(save_kwargs: dict[str, Any]) -> None:
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None:
        save_kwargs["update_fields"] = {*update_fields, "search_text"}


class Rank(models.IntegerChoices):
    """Military ranks of the armed forces of the reference case, in order.

    Labels are the French titles themselves (proper titles, shown as such in every language;
    see docs/decisions/0004-ranks-are-french-titles.md). Values leave room between ranks so
    air-force variants sort with their army equivalents.
    """

    SOLDAT_2 = 10, "Soldat de 2e classe"
    SOLDAT_1 = 20, "Soldat de 1re classe"
    CAPORAL = 30, "Caporal"
    CAPORAL_CHEF = 40, "Caporal-chef"
    SERGENT = 50, "Sergent"
    SERGENT_CHEF = 60, "Sergent-chef"
    ADJUDANT = 70, "Adjudant"
    ADJUDANT_CHEF = 80, "Adjudant-chef"
    ASPIRANT = 90, "Aspirant"
    SOUS_LIEUTENANT = 100, "Sous-lieutenant"
    LIEUTENANT = 110, "Lieutenant"
    CAPITAINE = 120, "Capitaine"
    COMMANDANT = 130, "Commandant"
    LIEUTENANT_COLONEL = 140, "Lieutenant-colonel"
    COLONEL = 150, "Colonel"
    COLONEL_MAJOR = 160, "Colonel-major"
    GENERAL_BRIGADE = 170, "Général de brigade"
    GENERAL_BRIGADE_AERIENNE = 171, "Général de brigade aérienne"
    GENERAL_DIVISION = 180, "Général de division"
    GENERAL_DIVISION_AERIENNE = 181, "Général de division aérienne"
    GENERAL_CORPS_ARMEE = 190, "Général de corps d'armée"
    GENERAL_CORPS_AERIEN = 191, "Général de corps aérien"
    GENERAL_ARMEE = 200, "Général d'armée"
    GENERAL_ARMEE_AERIENNE = 201, "Général d'armée aérienne"


class Alliance(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=20)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    founding_text = models.CharField(_("founding text"), max_length=200, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, default="XOF")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")

    def __str__(self) -> str:
        return self.acronym or self.name


class MemberState(BaseModel):
    alliance = models.ForeignKey(
        Alliance,
        verbose_name=_("alliance"),
        on_delete=models.PROTECT,
        related_name="member_states",
    )
    code = models.CharField(
        _("ISO 3166 alpha-3 code"),
        max_length=3,
        unique=True,
        help_text=_("Three capital letters, e.g. MLI."),
    )
    name = models.CharField(_("name"), max_length=100)
    capital = models.CharField(_("capital"), max_length=100, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Africa/Bamako")

    class Meta:
        ordering = ["name"]
        verbose_name = _("member state")
        verbose_name_plural = _("member states")
        constraints = [
            models.CheckConstraint(
                name="member_state_code_is_alpha3",
                condition=Q(code__regex=r"^[A-Z]{3}$"),
                violation_error_message=_("The code must be three capital letters (ISO 3166)."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alliance:member-state", kwargs={"code": self.code})


class OrganisationKind(models.TextChoices):
    GENERAL_STAFF = "general_staff", _("General staff")
    SERVICE = "service", _("Service")
    DIRECTORATE = "directorate", _("Directorate")
    STAFF = "staff", _("Staff")
    MINISTRY = "ministry", _("Ministry")
    HEAD_OF_STATE_OFFICE = "head_of_state_office", _("Office of the head of state")
    ALLIANCE_BODY = "alliance_body", _("Alliance body")
    OTHER = "other", _("Other")


class Organisation(BaseModel):
    """A service, directorate or staff of a member state, or a body of the alliance itself."""

    alliance = models.ForeignKey(
        Alliance,
        verbose_name=_("alliance"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
        help_text=_("Empty for a body of the alliance itself."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=24, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    search_text = models.CharField(_("search text"), max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["member_state__name", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "member_state", "name"],
                name="organisation_unique_name_per_state",
                condition=Q(member_state__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["alliance", "name"],
                name="organisation_unique_name_alliance_body",
                condition=Q(member_state__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.label(self.name, self.acronym)

    @staticmethod
    def label(name: str, acronym: str) -> str:
        """How an organisation is named in lists: "Ministère de la Défense (MD)"; for the
        callers that read the two columns rather than the object."""
        return f"{name} ({acronym})" if acronym else name

    def get_absolute_url(self) -> str:
        return reverse("alliance:organisation", kwargs={"pk": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The search column is derived from this row's own fields (accent- and case-free, see
        # alliance/search.py), so it is kept here where no write path can forget it.
        self.search_text = normalise_for_search(self.name, self.acronym)[:300]
        _include_search_text(kwargs)
        super().save(*args, **kwargs)


class Person(BaseModel):
    member_state = models.ForeignKey(
        MemberState,
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), choices=Rank.choices, null=True, blank=True)
    title = models.CharField(
        _("civil title"),
        max_length=100,
        blank=True,
        help_text=_("For civilians: Ministre, Président, Directeur…"),
    )
    email = models.EmailField(_("email"), blank=True)
    search_text = models.CharField(_("search text"), max_length=400, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        related_name="person",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["last_name", "first_name"], name="person_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("alliance:person", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        """``Général de division Oumar DIARRA``: rank or title, first name, NAME."""
        prefix = self.get_rank_display() if self.rank else self.title
        name = f"{self.first_name} {self.last_name.upper()}"
        return f"{prefix} {name}" if prefix else name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived from this row's own fields; see Organisation.save.
        self.search_text = normalise_for_search(
            self.last_name, self.first_name, self.title, self.get_rank_display() or ""
        )[:400]
        _include_search_text(kwargs)
        super().save(*args, **kwargs)


class Position(BaseModel):
    """A post a person holds in an organisation, over a span of time."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="positions"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    title = models.CharField(_("title"), max_length=200)
    search_text = models.CharField(_("search text"), max_length=200, blank=True, editable=False)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.CheckConstraint(
                name="position_end_after_start",
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                violation_error_message=_("The end date must not be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.organisation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived from this row's own fields; see Organisation.save.
        self.search_text = normalise_for_search(self.title)[:200]
        _include_search_text(kwargs)
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.end_date is None
