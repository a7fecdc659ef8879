from django.contrib import admin
from django.urls import path

admin.site.site_header = "Claim tracker"
admin.site.site_title = "Claim tracker"
admin.site.index_title = "Sources, claims and verdicts"

urlpatterns = [
    path("admin/", admin.site.urls),
]
