#!/usr/bin/env python3
"""Scrapes /metrics from its own address and parses it with Prometheus'
text parser (prometheus_client): the families are there with their types
and labels, the counts move with the traffic, the histograms are whole,
and the public address does not serve it.

Usage: metrics-test.py BIN   (exits 1 on anything missing)
"""
import http.client
import sys
import tempfile

from prometheus_client.parser import text_string_to_metric_families

from testkit import Browser, Server, free_port

directory = tempfile.mkdtemp()
metrics_port = free_port()
server = Server(sys.argv[1], f"{directory}/metrics.db", "--metrics-bind", f"127.0.0.1:{metrics_port}")


def scrape():
    conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=10)
    conn.request("GET", "/metrics")
    res = conn.getresponse()
    assert res.status == 200, res.status
    assert res.getheader("content-type").startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(res.read().decode())}


def requests(families, route, status):
    return sum(s.value for s in families["shishi_http_requests"].samples
               if s.name.endswith("_total") and s.labels.get("route") == route
               and s.labels.get("status") == str(status))


try:
    citizen = Browser(server.port)
    for _ in range(3):
        assert citizen.get("/")[0].status == 200
    before = scrape()
    for _ in range(2):
        assert citizen.submit("夏北三巷路灯不亮").status == 303
    assert citizen.get("/track/NH-2222-2222")[0].status == 404
    after = scrape()

    assert after["shishi_http_requests"].type == "counter"
    moved = requests(after, "/submit", 303) - requests(before, "/submit", 303)
    assert moved == 2, moved
    assert requests(after, "/track/{code}", 404) >= 1
    assert requests(after, "/", 200) >= 3

    latency = after["shishi_http_request_duration_seconds"]
    assert latency.type == "histogram"
    buckets = [s for s in latency.samples if s.name.endswith("_bucket") and s.labels["route"] == "/submit"]
    assert buckets and buckets[-1].labels["le"] == "+Inf", buckets
    count = [s for s in latency.samples if s.name.endswith("_count") and s.labels["route"] == "/submit"]
    assert count[0].value == buckets[-1].value >= 2

    connections = after["shishi_db_connections"]
    assert connections.type == "gauge"
    assert {s.labels["state"] for s in connections.samples} == {"idle", "in_use"}
    for name in ["shishi_db_waiting", "shishi_db_pool_size", "shishi_downloads_running",
                 "shishi_writer_batch_size", "shishi_writer_commit_seconds"]:
        assert name in after, (name, sorted(after))
    assert after["shishi_writer_batch_size"].type == "histogram"

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/metrics")
    assert conn.getresponse().status == 404, "never on the public address"
    print(f"metrics: {len(after)} families parsed by prometheus_client; "
          f"/submit counted {moved} of 2 submissions; histograms whole; not public")
finally:
    server.stop()
