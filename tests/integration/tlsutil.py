"""Certificates made with the openssl CLI at test time (nothing secret is ever committed)."""
import os
import subprocess


def _run(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(directory, name="ca", cn="sovereign-finops test CA"):
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
          "-subj", f"/CN={cn}", "-keyout", f"{name}.key", "-out", f"{name}.crt"], directory)
    os.chmod(os.path.join(directory, f"{name}.key"), 0o600)
    return os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")


def make_server_cert(directory, ca_name="ca", name="server", sans=("IP:127.0.0.1", "DNS:localhost"),
                     usage="serverAuth"):
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
          "-keyout", f"{name}.key", "-out", f"{name}.csr"], directory)
    with open(os.path.join(directory, f"{name}.ext"), "w") as f:
        f.write(f"subjectAltName={','.join(sans)}\nextendedKeyUsage={usage}\n")
    _run(["openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca_name}.crt", "-CAkey", f"{ca_name}.key",
          "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt"], directory)
    os.chmod(os.path.join(directory, f"{name}.key"), 0o600)
    return os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")


def make_client_cert(directory, ca_name="ca", name="client"):
    """A TLS client certificate (clientAuth) signed by CA_NAME in DIRECTORY: (crt, key)."""
    return make_server_cert(directory, ca_name, name, sans=(f"DNS:{name}",), usage="clientAuth")
