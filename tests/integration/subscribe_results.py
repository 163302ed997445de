"""A Python/Jupyter user's view of edgeloop: subscribe to live results with pyzmq and decode
them with the generated FlatBuffers module. Prints "ready" once the subscription is live,
then a JSON summary of what it received."""
import json
import sys

import zmq
from edgeloop.wire.Result import Result

endpoint, prefix, expected, timeout_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.LINGER, 0)
sub.setsockopt_string(zmq.SUBSCRIBE, prefix)
sub.setsockopt_string(zmq.SUBSCRIBE, "daemon/heartbeat")
sub.connect(endpoint)

ready = False
sequences, sums = [], []
poller = zmq.Poller()
poller.register(sub, zmq.POLLIN)
deadline_ms = timeout_s * 1000
while len(sequences) < expected and deadline_ms > 0:
    if not poller.poll(100):
        deadline_ms -= 100
        continue
    topic, body, *_ = sub.recv_multipart()
    if topic == b"daemon/heartbeat":
        if not ready:
            print("ready", flush=True)
            ready = True
        continue
    result = Result.GetRootAs(body, 0)
    sequences.append(result.SourceSequence())
    sums.append(result.Values(0))
print(json.dumps({"count": len(sequences), "in_order": sequences == list(range(len(sequences))),
                  "first_sum": sums[0] if sums else None,
                  "product": result.Product().decode() if sequences else None}), flush=True)
