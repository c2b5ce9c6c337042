#!/usr/bin/python3
"""An OpenID Connect back-channel logout endpoint for the interop tests of Sesame's provider.

Listens on http://127.0.0.1:<port><path> for the provider's POSTs (application/x-www-form-urlencoded,
logout_token=<JWT>) and validates each logout token as OpenID Connect Back-Channel Logout 1.0
section 2.6 asks a relying party to, with Debian's Authlib (authlib.jose):

  1. a signed JWT (JWS): the header's alg one the provider publishes for ID tokens
     (id_token_signing_alg_values_supported), never "none"; typ "logout+jwt" (section 2.4,
     against cross-JWT confusion, section 4.1);
  2. the signature, with the key of the provider's JWKS (jwks_uri of its discovery document, or
     --jwks-file) that the header's kid names;
  3. iss the issuer, aud containing this client's client_id, iat present and not in the future
     (nor older than --max-age), exp not passed when present;
  4. events holding the member http://schemas.openid.net/event/backchannel-logout (an object);
  5. sid or sub present (sid required with --require-sid: backchannel_logout_session_required);
  6. no nonce;
  7. jti present and not seen before (a replayed token is refused).

It answers 200 to a valid token and 400 {"error": "invalid_request"} otherwise (section 2.8),
and records every POST. GET /received answers the JSON list of records, in order:
  {"verified": bool, "error": "why not" | null, "warnings": [...], "header": {...},
   "claims": {...} (as decoded, also when invalid), "content_type": "...", "path": "..."}
A warning is something a relying party would accept but the specification does not (a token
without exp, which Back-Channel Logout 1.0 final lists as required).

Run with Debian's /usr/bin/python3 (python3-authlib, python3-requests).
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from authlib.common.encoding import urlsafe_b64decode
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
import requests

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
SKEW = 60  # seconds of clock difference tolerated on iat and exp


class Refused(Exception):
    """The token fails a check of section 2.6."""


class Provider:
    """What the receiver trusts: the issuer, its signing algorithms and its keys."""

    def __init__(self, args):
        self.issuer = args.issuer
        self.ca_file = args.ca_file
        self.jwks_file = args.jwks_file
        self.algorithms = args.algorithms.split(",") if args.algorithms else None
        self.lock = threading.Lock()
        self.keys = None
        # Only the CA file decides (requests would let REQUESTS_CA_BUNDLE override it), no proxy.
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = self.ca_file or True

    def _discovery(self):
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = self.http.get(url, timeout=10)
        response.raise_for_status()
        return response.json()

    def load(self):
        """The key set and the allowed algorithms, fetched once (again after a kid miss)."""
        with self.lock:
            if self.keys is None:
                if self.jwks_file:
                    with open(self.jwks_file, encoding="utf-8") as f:
                        jwks = json.load(f)
                    if self.algorithms is None:
                        self.algorithms = ["RS256", "ES256"]
                else:
                    discovery = self._discovery()
                    if discovery.get("issuer") != self.issuer:
                        raise Refused(f"discovery issuer {discovery.get('issuer')!r} is not {self.issuer!r}")
                    if self.algorithms is None:
                        self.algorithms = [a for a in discovery.get("id_token_signing_alg_values_supported", [])
                                           if a != "none"]
                    response = self.http.get(discovery["jwks_uri"], timeout=10)
                    response.raise_for_status()
                    jwks = response.json()
                self.keys = JsonWebKey.import_key_set(jwks)
            return self.keys, self.algorithms

    def forget_keys(self):
        with self.lock:
            if not self.jwks_file:
                self.keys = None


def b64_json(segment):
    padded = segment.encode("ascii")
    return json.loads(urlsafe_b64decode(padded + b"=" * (-len(padded) % 4)))


def unverified_parts(token):
    """Header and claims as sent, for the record (never trusted)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Refused(f"not a compact JWS (found {len(parts)} parts; an encrypted or malformed token)")
    try:
        return b64_json(parts[0]), b64_json(parts[1])
    except Exception as e:  # any decoding error is the token's fault
        raise Refused(f"undecodable header or payload: {e}")


class Verifier:
    def __init__(self, provider, args):
        self.provider = provider
        self.client_id = args.client_id
        self.require_sid = args.require_sid
        self.max_age = args.max_age
        self.seen_jti = set()
        self.lock = threading.Lock()

    def verify(self, token, record):
        header, claims = unverified_parts(token)
        record["header"], record["claims"] = header, claims
        keys, algorithms = self.provider.load()
        alg = header.get("alg")
        if alg not in algorithms:
            raise Refused(f"alg {alg!r} is not one of the provider's {algorithms}")
        if header.get("typ") != "logout+jwt":
            raise Refused(f"typ {header.get('typ')!r} is not 'logout+jwt'")
        try:
            verified = JsonWebToken(algorithms).decode(token, keys)
        except ValueError as e:  # kid not in the key set: the provider may have rotated
            self.provider.forget_keys()
            keys, _ = self.provider.load()
            try:
                verified = JsonWebToken(algorithms).decode(token, keys)
            except (ValueError, JoseError) as again:
                raise Refused(f"signature not verified with the provider's keys: {again or e}")
        except JoseError as e:
            raise Refused(f"signature not verified with the provider's keys: {e}")
        self.check_claims(dict(verified), record)

    def check_claims(self, claims, record):
        now = int(time.time())
        if claims.get("iss") != self.provider.issuer:
            raise Refused(f"iss {claims.get('iss')!r} is not {self.provider.issuer!r}")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if self.client_id not in audiences:
            raise Refused(f"aud {aud!r} does not contain {self.client_id!r}")
        iat = claims.get("iat")
        if not isinstance(iat, (int, float)) or isinstance(iat, bool):
            raise Refused("no numeric iat")
        if iat > now + SKEW:
            raise Refused(f"iat {iat} is in the future (now {now})")
        if iat < now - self.max_age:
            raise Refused(f"iat {iat} is older than {self.max_age} s")
        if "exp" in claims:
            if not isinstance(claims["exp"], (int, float)) or claims["exp"] < now - SKEW:
                raise Refused(f"exp {claims['exp']!r} has passed (now {now})")
        else:
            record["warnings"].append("no exp claim (Back-Channel Logout 1.0 section 2.4 requires it)")
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
            raise Refused(f"events {events!r} lacks the object member {LOGOUT_EVENT}")
        if events[LOGOUT_EVENT] != {}:
            record["warnings"].append("the logout event's value is not the empty object (section 2.4: SHOULD)")
        if not claims.get("sid") and not claims.get("sub"):
            raise Refused("neither sid nor sub")
        if self.require_sid and not claims.get("sid"):
            raise Refused("no sid although the client requires one (backchannel_logout_session_required)")
        if "nonce" in claims:
            raise Refused("a nonce claim is present (section 2.4 prohibits it)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise Refused("no jti")
        with self.lock:
            if jti in self.seen_jti:
                raise Refused(f"jti {jti!r} replayed")
            self.seen_jti.add(jti)


class Receiver(BaseHTTPRequestHandler):
    server_version = "sesame-backchannel-receiver/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def answer(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if urlsplit(self.path).path == "/received":
            with self.server.records_lock:
                self.answer(200, list(self.server.records))
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)).decode("utf-8", "replace")
        record = {"verified": False, "error": None, "warnings": [], "header": None, "claims": None,
                  "content_type": self.headers.get("Content-Type", ""), "path": self.path}
        try:
            if urlsplit(self.path).path != self.server.logout_path:
                raise Refused(f"POST to {self.path}, not {self.server.logout_path}")
            if not record["content_type"].startswith("application/x-www-form-urlencoded"):
                raise Refused(f"Content-Type {record['content_type']!r} is not a form")
            tokens = parse_qs(body).get("logout_token", [])
            if len(tokens) != 1:
                raise Refused(f"{len(tokens)} logout_token parameters")
            self.server.verifier.verify(tokens[0], record)
            record["verified"] = True
        except Refused as e:
            record["error"] = str(e)
        except Exception as e:  # the provider's keys could not be fetched, ...
            record["error"] = f"{type(e).__name__}: {e}"
        with self.server.records_lock:
            self.server.records.append(record)
        if record["verified"]:
            self.answer(200, {})
        else:
            sys.stderr.write(f"refused: {record['error']}\n")
            self.answer(400, {"error": "invalid_request", "error_description": record["error"]})


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="OpenID Connect back-channel logout receiver that validates logout tokens "
                    "(Back-Channel Logout 1.0 section 2.6) with Authlib.")
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0: any)")
    parser.add_argument("--path", default="/backchannel", help="the backchannel_logout_uri's path")
    parser.add_argument("--issuer", required=True, help="the provider's issuer identifier")
    parser.add_argument("--client-id", required=True, help="this relying party's client_id (aud)")
    parser.add_argument("--ca-file", help="CA file to trust the provider's TLS certificate with")
    parser.add_argument("--jwks-file", help="the provider's JWKS from a file instead of its discovery")
    parser.add_argument("--algorithms", help="allowed algs, comma-separated (default: the provider's)")
    parser.add_argument("--require-sid", action="store_true", help="refuse tokens without sid")
    parser.add_argument("--max-age", type=int, default=300, help="oldest iat accepted, in seconds")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    server.daemon_threads = True
    server.logout_path = args.path
    server.records = []
    server.records_lock = threading.Lock()
    server.verifier = Verifier(Provider(args), args)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}{args.path}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
