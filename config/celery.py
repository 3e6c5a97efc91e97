"""The Celery app. Periodic jobs are listed once, here, each with why it runs."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("placement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Invitation emails whose queueing failed (Redis or the worker down when the invitation was
    # saved) are sent once the broker is back: nothing an admin does is lost.
    "invitation-emails-resend-unsent": {
        "task": "accounts.tasks.invitation_emails_send_unsent",
        "schedule": crontab(minute="*/5"),
    },
    # Ofsted publishes its list a few times a year (and LAs receive unredacted copies): check
    # daily, before people start work. An unchanged file is skipped by its hash.
    "ofsted-refresh": {
        "task": "providers.tasks.ofsted_refresh",
        "schedule": crontab(hour=5, minute=30),
    },
    # The hub admins' digest of a scheduled Ofsted import is queued when the import commits; one
    # whose queueing failed (Redis or the worker down) goes on the next run. Hourly: a digest is
    # news for the day, not the minute (providers/selectors.py says which are still worth sending).
    "ofsted-digests-send-unsent": {
        "task": "providers.tasks.ofsted_digests_send_unsent",
        "schedule": crontab(minute=50),
    },
    # An uploaded Ofsted list (possibly an LA's unredacted copy) is kept only while its preview
    # waits to be confirmed: failed, refused, confirmed and cancelled ones are deleted at once,
    # this deletes those of previews left for a day. Daily, after the refresh.
    "ofsted-uploads-clean-up": {
        "task": "providers.tasks.ofsted_uploads_clean_up",
        "schedule": crontab(hour=5, minute=45),
    },
    # A vacancy nobody confirms goes stale after VACANCY_STALE_DAYS: a day before, its provider
    # gets an email with one-click "Still accurate" / "No longer available" links. Hourly, so a
    # reminder is never far behind its day and a missed run catches up; each goes once.
    "vacancy-reminders": {
        "task": "providers.tasks.vacancy_reminders_send",
        "schedule": crontab(minute=20),
    },
    # The referral outbox: notifications whose queueing failed (Redis or the worker down when
    # the referral, answer or message was saved) go once the broker is back. Every minute,
    # because a referral for a child who must move today cannot wait long.
    "notifications-send-unsent": {
        "task": "brokerage.tasks.notifications_send_unsent",
        "schedule": crontab(minute="*"),
    },
    # Referral deadlines: remind providers that have not answered, and expire what is past its
    # deadline (telling both sides). Every 5 minutes; each reminder and expiry happens once.
    "referral-deadlines": {
        "task": "brokerage.tasks.referral_deadlines_check",
        "schedule": crontab(minute="*/5"),
    },
    # Bus timetables (TRANSIT_FEED_URLS): BODS republishes GTFS daily and operators change
    # timetables at short notice, so re-import nightly at 04:15, before the Ofsted refresh and
    # long before anyone searches. An unchanged zip is skipped by its hash; a new one is swapped
    # in atomically, so searches running meanwhile keep the old timetable.
    "transit-feeds-refresh": {
        "task": "geo.tasks.transit_feeds_refresh",
        "schedule": crontab(hour=4, minute=15),
    },
    # Providers who chose a daily digest get one email with the day's referrals, at 8am.
    "notification-digests": {
        "task": "brokerage.tasks.notification_digests_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Road networks (geo/road_networks.py): Geofabrik refreshes its extracts daily, but roads
    # change slowly and a region's build takes minutes and GBs of memory (docs/road-network.md),
    # so weekly, at night, when searches are few: Sunday 02:15. An extract that has not changed
    # (same sha256, or a URL answering 304) is not rebuilt; a build that fails keeps the served one.
    "road-networks-rebuild": {
        "task": "geo.tasks.road_networks_rebuild",
        "schedule": crontab(day_of_week="sun", hour=2, minute=15),
    },
}
