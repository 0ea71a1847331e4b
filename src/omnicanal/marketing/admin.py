from django.contrib import admin

from omnicanal.marketing.models import Reminder, TrainedRecommender


@admin.register(TrainedRecommender)
class TrainedRecommenderAdmin(admin.ModelAdmin):
    list_display = ("trained_at", "purchases", "products", "seconds")
    exclude = ("model",)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("customer_id", "category", "due_on", "status", "channel", "created_at")
    list_filter = ("status", "channel")
