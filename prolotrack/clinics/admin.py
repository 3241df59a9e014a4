from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from prolotrack.clinics.models import Clinic, Membership, User


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0


@admin.register(User)
class ProlotrackUserAdmin(UserAdmin[User]):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_demo", "last_login"]
    list_filter = ["is_active", "is_staff", "is_demo"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    list_display = ["name", "slug", "time_zone", "is_demo"]
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active", "clinic"]
