#!/usr/bin/python3
"""The back-channel logout receiver of the OIDC interop test (oidc_backchannel_receiver.py) before
Sesame's provider exists: the test plays the provider, signs logout tokens with Authlib (RS256 and
ES256 keys it generates, their JWKS given to the receiver as a file), POSTs them as a provider
would, and checks which ones the receiver accepts (200) and refuses (400) and what it records.
Run by CTest (oidc_backchannel_receiver_test) with Debian's /usr/bin/python3.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid

from authlib.jose import JsonWebKey, JsonWebSignature
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ISSUER = "https://127.0.0.1:8443/oidc"
CLIENT = "demo-rp"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class ReceiverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="sesame-bcl-")
        cls.rsa = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "rsa-1"})
        cls.ec = JsonWebKey.generate_key("EC", "P-256", is_private=True, options={"kid": "ec-1"})
        # Another key under the first one's kid: a forger's.
        cls.forger = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "rsa-1"})
        jwks = {"keys": [cls.rsa.as_dict(is_private=False), cls.ec.as_dict(is_private=False)]}
        jwks_file = os.path.join(cls.dir.name, "jwks.json")
        with open(jwks_file, "w", encoding="utf-8") as f:
            json.dump(jwks, f)
        cls.process = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "oidc_backchannel_receiver.py"), "--port", "0",
             "--issuer", ISSUER, "--client-id", CLIENT, "--jwks-file", jwks_file, "--require-sid"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = cls.process.stdout.readline()  # printed once the socket listens
        if not line.startswith("listening on "):
            cls.process.kill()
            raise RuntimeError(f"the receiver did not start: {line!r}")
        cls.url = line.split()[-1]
        cls.base = cls.url.rsplit("/", 1)[0]

    @classmethod
    def tearDownClass(cls):
        cls.process.terminate()
        cls.process.wait(timeout=10)
        cls.dir.cleanup()

    def claims(self, **changes):
        now = int(time.time())
        c = {"iss": ISSUER, "aud": CLIENT, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4()),
             "sub": "f3a1", "sid": "sid-" + str(uuid.uuid4()), "events": {EVENT: {}}}
        for name, value in changes.items():
            if value is None:
                c.pop(name, None)
            else:
                c[name] = value
        return c

    def sign(self, claims, key=None, alg="RS256", typ="logout+jwt"):
        header = {"alg": alg, "kid": (key or self.rsa).kid}
        if typ:
            header["typ"] = typ
        # JsonWebToken.encode would force typ "JWT": the JWS layer signs the header as given.
        payload = json.dumps(claims).encode()
        return JsonWebSignature().serialize_compact(header, payload, key or self.rsa).decode()

    def post(self, token, content_type="application/x-www-form-urlencoded"):
        return requests.post(self.url, data=f"logout_token={token}", timeout=10,
                             headers={"Content-Type": content_type})

    def last_record(self):
        return requests.get(self.base + "/received", timeout=10).json()[-1]

    def assertAccepted(self, token):
        r = self.post(token)
        record = self.last_record()
        self.assertEqual(r.status_code, 200, record)
        self.assertTrue(record["verified"], record)
        return record

    def assertRefused(self, token, why, **post):
        r = self.post(token, **post)
        record = self.last_record()
        self.assertEqual(r.status_code, 400, record)
        self.assertEqual(r.json()["error"], "invalid_request")
        self.assertFalse(record["verified"])
        self.assertIn(why, record["error"])
        return record

    def test_a_token_signed_by_the_provider_is_accepted_with_its_sid(self):
        claims = self.claims()
        record = self.assertAccepted(self.sign(claims))
        self.assertEqual(record["claims"]["sid"], claims["sid"])
        self.assertEqual(record["header"]["typ"], "logout+jwt")
        self.assertEqual(record["warnings"], [])
        self.assertEqual(self.assertAccepted(self.sign(self.claims(), self.ec, "ES256"))["header"]["alg"],
                         "ES256")

    def test_a_replayed_token_is_refused(self):
        token = self.sign(self.claims())
        self.assertAccepted(token)
        self.assertRefused(token, "replayed")

    def test_forged_and_unsigned_tokens_are_refused(self):
        self.assertRefused(self.sign(self.claims(), self.forger), "signature not verified")
        unsigned = b64({"alg": "none", "typ": "logout+jwt"}) + "." + b64(self.claims()) + "."
        self.assertRefused(unsigned, "alg 'none'")
        tampered = self.sign(self.claims()).split(".")
        tampered[1] = b64(self.claims(sub="someone-else"))
        self.assertRefused(".".join(tampered), "signature not verified")
        # Algorithm confusion: HS256 keyed with the provider's public RSA key.
        head = b64({"alg": "HS256", "typ": "logout+jwt", "kid": "rsa-1"}) + "." + b64(self.claims())
        secret = self.rsa.as_pem(is_private=False)
        mac = hmac.new(secret, head.encode(), hashlib.sha256).digest()
        self.assertRefused(head + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode(), "alg 'HS256'")

    def test_tokens_that_are_not_logout_tokens_are_refused(self):
        self.assertRefused(self.sign(self.claims(), typ="JWT"), "typ")
        self.assertRefused(self.sign(self.claims(), typ=None), "typ")
        self.assertRefused(self.sign(self.claims(nonce="n-0S6_WzA2Mj")), "nonce")
        self.assertRefused(self.sign(self.claims(events=None)), "events")
        self.assertRefused(self.sign(self.claims(events={"other": {}})), "events")

    def test_claims_for_another_party_or_time_are_refused(self):
        self.assertRefused(self.sign(self.claims(iss="https://evil.example/oidc")), "iss")
        self.assertRefused(self.sign(self.claims(aud="another-client")), "aud")
        self.assertAccepted(self.sign(self.claims(aud=["another-client", CLIENT])))
        self.assertRefused(self.sign(self.claims(iat=int(time.time()) + 3600)), "future")
        self.assertRefused(self.sign(self.claims(iat=int(time.time()) - 3600, exp=None)), "older")
        self.assertRefused(self.sign(self.claims(exp=int(time.time()) - 600)), "exp")
        self.assertRefused(self.sign(self.claims(iat=None)), "iat")
        self.assertRefused(self.sign(self.claims(jti=None)), "jti")
        self.assertRefused(self.sign(self.claims(sid=None)), "sid")  # --require-sid
        self.assertRefused(self.sign(self.claims(sid=None, sub=None)), "sid")

    def test_a_token_without_exp_is_accepted_with_a_warning(self):
        record = self.assertAccepted(self.sign(self.claims(exp=None)))
        self.assertEqual(len(record["warnings"]), 1)
        self.assertIn("exp", record["warnings"][0])

    def test_requests_that_are_not_a_form_with_one_token_are_refused(self):
        self.assertRefused(self.sign(self.claims()), "Content-Type", content_type="application/json")
        r = requests.post(self.url, data={"logout_token": ["a", "b"]}, timeout=10)
        self.assertEqual(r.status_code, 400)
        self.assertIn("2 logout_token", self.last_record()["error"])
        self.assertRefused("not-a-jwt", "not a compact JWS")


if __name__ == "__main__":
    unittest.main(verbosity=2)
