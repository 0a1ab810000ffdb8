"""The network edge: the SDK clients, one streamed call, the network policy, cost preflight, record and replay.

The only place, with `batches/`, that calls the SDK's client methods (`tests/test_architecture_map.py`).
"""
