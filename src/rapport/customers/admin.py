"""Back-office views of customer data for administrators.

Customer records are read-only here: every change to them must pass through
the services (validation, visibility, audit log, events), which the pages and
the API use. Administrators define custom fields and tidy tags here.
"""

from __future__ import annotations

from django.contrib import admin

from rapport.common.admin import ReadOnlyAdmin
from rapport.customers.models import Account, ConsentRecord, Contact, CustomFieldDefinition, Interaction, Lead, Tag


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "parent", "industry", "region", "country", "owner", "team", "updated_at")
    list_filter = ("kind", "country", "team")
    search_fields = ("name",)
    list_select_related = ("parent", "owner", "team")
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "account", "title", "region", "owner", "team", "updated_at")
    list_filter = ("country", "team")
    search_fields = ("full_name",)
    list_select_related = ("account", "owner", "team")
    show_full_result_count = False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "company", "status", "source", "owner", "team", "created_at")
    list_filter = ("status", "source", "team")
    search_fields = ("full_name", "company")
    list_select_related = ("owner", "team")
    show_full_result_count = False


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "channel", "direction", "subject", "account", "contact", "lead", "user")
    list_filter = ("channel", "direction")
    list_select_related = ("account", "contact", "lead", "user")
    show_full_result_count = False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "channel", "granted", "method", "contact", "lead", "recorded_by")
    list_select_related = ("contact", "lead", "recorded_by")


@admin.register(CustomFieldDefinition)
class CustomFieldDefinitionAdmin(admin.ModelAdmin):
    list_display = ("entity", "key", "label", "field_type", "required", "position")
    list_filter = ("entity", "field_type")
    list_editable = ("label", "required", "position")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
