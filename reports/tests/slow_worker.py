"""A Celery worker that compiles digests one organization per task and pauses a second after each, so that a
test can kill it mid-run.

``python -m reports.tests.slow_worker worker --pool=prefork ...`` takes Celery's worker arguments. The pause is
patched in here, before the worker starts; its pool processes are forked from it and keep the patch.
"""

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    django.setup()
    from reports import services, tasks
    from studygroup.celery import app

    compile_digests = services.digest_compile_many

    def compile_then_pause(**kwargs):
        digests = compile_digests(**kwargs)
        time.sleep(1)
        return digests

    tasks.DIGEST_CHUNK = 1
    services.digest_compile_many = compile_then_pause
    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
