from django.core.management.base import BaseCommand

from papers import digests, mail


class Command(BaseCommand):
    help = (
        "Send every email digest that is due (a day or a week of each log, for each member "
        "who watches it) and record it, so a period is never sent twice, even from two "
        "servers at once. It also sends the notification emails that are due (as "
        "send_notification_emails does). Run it every 15 minutes from cron or a systemd timer."
    )

    def handle(self, **options):
        sent, empty = digests.send_due()
        notifications = mail.send_notification_batches()
        self.stdout.write(
            f"Sent {sent} digest{'' if sent == 1 else 's'}; {empty} with nothing new, not sent. "
            f"Sent {notifications} notification email{'' if notifications == 1 else 's'}."
        )
