"""A Celery worker that pauses a second after each digest it compiles, so that a test can kill it mid-run.

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
    from reports import services
    from studygroup.celery import app

    compile_digest = services.digest_compile

    def compile_then_pause(**kwargs):
        digest = compile_digest(**kwargs)
        time.sleep(1)
        return digest

    services.digest_compile = compile_then_pause
    app.worker_main(sys.argv[1:])


if __name__ == "__main__":
    main()
