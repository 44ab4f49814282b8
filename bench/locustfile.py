"""Locust users for the sign-in burst: each signs in once to its session with a prepared login, then idles."""

import json
import os
import re
from itertools import count

from locust import HttpUser, constant, task

ENTRIES = json.loads(open(os.environ["BURST_ENTRIES"], encoding="utf-8").read())  # noqa: SIM115
NEXT = count()
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Member(HttpUser):
    wait_time = constant(3600)

    def on_start(self):
        self.entry = ENTRIES[next(NEXT) % len(ENTRIES)]
        self.done = False

    @task
    def sign_in(self):
        if self.done:
            return
        cookie = f"sessionid={self.entry['session']}"
        page = self.client.get(self.entry["url"], headers={"Cookie": cookie}, name="sign-in page")
        token = TOKEN.search(page.text)
        csrf = page.cookies.get("csrftoken") or re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", ""))
        csrf = csrf if isinstance(csrf, str) else (csrf.group(1) if csrf else "")
        with self.client.post(
            self.entry["url"],
            data={"csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Cookie": f"{cookie}; csrftoken={csrf}", "Referer": self.entry["url"]},
            name="sign in",
            catch_response=True,
        ) as response:
            if "签到成功" in response.text or "您已签到" in response.text:
                response.success()
            else:
                response.failure("not signed in")
        self.done = True
