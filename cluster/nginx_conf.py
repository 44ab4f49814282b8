"""Print the nginx configuration of `make cluster` (cluster/run.sh): deploy/nginx/studygroup-app.conf, the site's
own shared part, behind three TLS ports on 127.0.0.1: both web nodes, node 1 only and node 2 only."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    env = os.environ
    work = env["CLUSTER_WORK"]
    nodes = {"studygroup": [env["NODE1"], env["NODE2"]], "node1": [env["NODE1"]], "node2": [env["NODE2"]]}
    listens = {env["CLUSTER_NGINX"]: "studygroup", env["CLUSTER_NGINX1"]: "node1", env["CLUSTER_NGINX2"]: "node2"}
    upstreams = "\n".join(
        f"    upstream {name} {{\n"
        + "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in ports)
        + "    }"
        for name, ports in nodes.items()
    )
    servers = "\n".join(
        f"""    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {work}/nginx/cert.pem;
        ssl_certificate_key {work}/nginx/key.pem;
        set $studygroup_upstream {upstream};
        include {ROOT}/deploy/nginx/studygroup-app.conf;
    }}"""
        for port, upstream in listens.items()
    )
    temp = "\n".join(
        f"    {kind}_temp_path {work}/nginx/tmp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    print(
        f"""daemon on;
user www-data;
worker_processes 1;
pid {work}/nginx/nginx.pid;
error_log {work}/log/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {work}/log/nginx-access.log;
{temp}
{upstreams}
{servers}
}}"""
    )


if __name__ == "__main__":
    main()
