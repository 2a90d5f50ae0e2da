from django.core.management.base import BaseCommand

from papers import mail


class Command(BaseCommand):
    help = (
        "Email everyone whose notification batch is due: what is pending since their last "
        "email, when that went 10 minutes ago or more. Run it every few minutes from cron; "
        "requests send most batches themselves, this sends the ones that had to wait."
    )

    def handle(self, **options):
        sent = mail.send_notification_batches()
        self.stdout.write(f"Sent {sent} notification email{'' if sent == 1 else 's'}.")
