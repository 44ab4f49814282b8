"""A Celery worker of the app that writes its e-mails as files to ``MAIL_DIR`` (when set), so that a fault
scenario or a test counts what each person received. ``python -m faults.worker worker ...`` takes Celery's
worker arguments."""

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    django.setup()
    from django.conf import settings

    from studygroup.celery import app

    @app.task(name="faults.busy", acks_late=True)
    def busy(seconds: float, mark: str = "") -> str:
        """Keep a pool process busy for ``seconds``; log ``mark`` when done (the scenarios count the marks)."""
        time.sleep(seconds)
        print(f"faults.busy done {mark}", flush=True)
        return mark

    if os.environ.get("MAIL_DIR"):
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = os.environ["MAIL_DIR"]
    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
