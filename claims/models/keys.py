"""Newsroom API keys."""

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class NewsroomKey(AbstractAPIKey):
    """A newsroom's API key: shown once, stored hashed, read-only unless it acts for a desk member."""

    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text="Leave empty for a read-only key. Set to a desk member to let the key write with their role.",
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "newsroom API key"
        verbose_name_plural = "newsroom API keys"
