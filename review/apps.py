from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "The reviewers' admin"

    def ready(self):
        from django.contrib.admin import helpers
        from django.contrib.admin.templatetags import admin_list

        from review.admin.common import display_for_field_as_written

        # Read-only fields and list columns: numbers as people write them (500, 8,000).
        for module in (helpers, admin_list):
            if not getattr(module.display_for_field, "as_written", False):
                module.display_for_field = display_for_field_as_written(module.display_for_field)
                module.display_for_field.as_written = True
