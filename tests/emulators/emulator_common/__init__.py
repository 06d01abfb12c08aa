"""What the Kubernetes API server emulator (k8s_api/, k8s_harness.py) and the Vault emulator
(vault_api/, vault_harness.py) share, in one place: fault rules and the request log (faults,
requestlog), the listener's outage loop, request bodies and startup (listener), and the
harness's process start/stop and common control-API calls (harness). Each emulator keeps its
own names for them (k8s_api.faults.Faults, vault_api.faults.RequestLog, ...) as thin
subclasses or aliases, with only what is its own. Python 3 standard library only."""
