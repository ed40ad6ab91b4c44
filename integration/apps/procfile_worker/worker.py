"""The `worker` process of a Procfile app: prints a heartbeat."""

import sys
import time

print(f"worker started on Python {sys.version.split()[0]}", flush=True)
while True:
    time.sleep(5)
    print("worker heartbeat", flush=True)
