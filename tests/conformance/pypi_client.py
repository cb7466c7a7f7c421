"""A Python NGSI-LD client from PyPI (ngsildclient) against `citytwin broker`.

    python pypi_client.py PORT

Creates, reads, updates and deletes entities, queries them (type, q, geo), writes a
batch, subscribes and waits for a notification on a local HTTP endpoint, and reads the
temporal API, all through the library's own calls. Exits non-zero at the first thing that
does not work, saying what.
"""

import http.server
import json
import sys
import threading
import time
from datetime import datetime, timezone

from ngsildclient import Client, Entity, SubscriptionBuilder

PORT = int(sys.argv[1])
received = []


class Notified(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


listener = http.server.HTTPServer(("127.0.0.1", 0), Notified)
threading.Thread(target=listener.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{listener.server_address[1]}/notify"

client = Client(port=PORT, verbose=False)

# Create and read.
stockholm = Entity("AirQualityObserved", "Stockholm:Sveavagen")
stockholm.gprop("location", (59.3420, 18.0590))
stockholm.prop("NO2", 22, unitcode="GQ", observedat=datetime(2026, 12, 1, 8, tzinfo=timezone.utc))
stockholm.prop("name", "Sveavägen")
check("create an entity", client.create(stockholm) is not None)
got = client.get(stockholm.id)
check("read it back", got is not None and got["NO2"]["value"] == 22)
check("exists", client.exists(stockholm.id))

# Batch.
others = []
for i, (lat, lon, no2) in enumerate([(59.3326, 18.0649, 41), (57.7089, 11.9746, 15)]):
    e = Entity("AirQualityObserved", f"Other:{i}")
    e.gprop("location", (lat, lon))
    e.prop("NO2", no2, unitcode="GQ", observedat=datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    others.append(e)
result = client.batch.upsert(others)
check("batch upsert of 2", result.ok and result.n_ok == 2)

# Queries.
check("query by type", len(client.query(type="AirQualityObserved")) == 3)
check("query with q", {e.id for e in client.query(type="AirQualityObserved", q="NO2>20")}
      == {stockholm.id, others[0].id})
near = client.query(type="AirQualityObserved",
                    gq="georel=near;maxDistance==2000&geometry=Point&coordinates=[18.06,59.34]")
check("geo-query near Stockholm", {e.id for e in near} == {stockholm.id, others[0].id})
check("count", client.entities.count(type="AirQualityObserved") == 3)

# Subscription, then an update that notifies.
sub = (
    SubscriptionBuilder(endpoint)
    .name("citytwin check")
    .select_type("AirQualityObserved")
    .watch(["NO2"])
    .build()
)
sub_id = client.subscriptions.create(sub)
check("subscribe", sub_id is not None and client.subscriptions.exists(sub_id))
stockholm["NO2"].value = 35
check("update an attribute", client.update(stockholm))
deadline = time.time() + 10
while not received and time.time() < deadline:
    time.sleep(0.1)
check("a notification arrives", bool(received) and received[0]["data"][0]["id"] == stockholm.id)

# Temporal (the library asks for instances observed before it was imported: the values
# carry their observedAt, as sensor data does).
history = client.temporal.get(stockholm.id, attrs=["NO2"])
check("temporal: the entity's history", "NO2" in history and len(history["NO2"]) >= 2)
rows = client.temporal.query(type="AirQualityObserved", attrs=["NO2"])
check("temporal: a query over the type", len(rows) == 3)

# Delete.
check("unsubscribe (by name)", client.subscriptions.delete("citytwin check"))
check("no subscription left", not client.subscriptions.exists(sub_id))
check("delete an entity", client.delete(stockholm))
check("batch delete", client.batch.delete(others).ok)
check("nothing left", client.entities.count(type="AirQualityObserved") == 0)
print("pypi client: all passed")
