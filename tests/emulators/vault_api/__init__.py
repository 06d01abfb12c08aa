"""A HashiCorp Vault 2.0.x HTTP API emulator for integration tests (Python standard library only).

Start it with `python3 -m vault_api --port 0` from tests/emulators/; it prints one line,
`LISTENING <port>`, once the socket listens. tests/emulators/README.md ("Vault API emulator")
documents the routes, the control API under /__emulator/, the fault rules and what is not
emulated; each module names the Vault source it follows.
"""
