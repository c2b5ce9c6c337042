#!/usr/bin/python3
"""A relying party written with Authlib (Debian's python3-authlib, the OAuth 2.0 / OpenID Connect
client of Python services), used the way an application uses it, against Sesame's provider.

Driven by test/interop/oidc_rp_test: the test logs a person in at Sesame and passes the session
cookie, so that the authorization endpoint answers with a code at once (no login page), as it
would to that person's browser. Steps, in order, each one checked:

  discovery      /.well-known/openid-configuration: issuer, endpoints, S256, jwks_uri
  authorize      code + PKCE S256 + state + nonce; the answer goes to the exact redirect_uri
                 (a redirect for response_mode=query, a self-posting form for form_post) with the
                 state and the issuer (RFC 9207 iss)
  token          code -> tokens (client_secret_basic, client_secret_post or none); the ID token
                 validated with Authlib against the JWKS: signature, iss, aud, nonce, exp, iat,
                 at_hash (required here), sid
  userinfo       GET and POST with the bearer token; sub as in the ID token
  refresh        refresh_token grant: a new access token and a new refresh token (rotation);
                 the old refresh token refused afterwards (invalid_grant), and that reuse
                 revokes the grant: the rotated refresh token is refused too
  introspection  RFC 7662 on a fresh grant: active true, then false after revocation (RFC 7009)
  revocation     access token and refresh token revoked; the refresh token no longer works
  code reuse     a code exchanged twice: the second refused (invalid_grant)
  wrong verifier a code with a wrong PKCE verifier refused (invalid_grant)
  client creds   (--client-credentials) an access token without an ID token
  logout         RP-initiated logout at end_session_endpoint with id_token_hint,
                 post_logout_redirect_uri and state: the browser lands on that URI with the
                 state, and Sesame's session is over (prompt=none then answers login_required)

It prints one JSON object of what it saw on stdout (also on failure, with "failed": {"step",
"message"}), and exits 1 on the first failed check with the message on stderr, 2 on bad
arguments. Run with Debian's /usr/bin/python3.
"""
import argparse
import html.parser
import json
import sys
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.common.encoding import urlsafe_b64decode
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from authlib.oauth2 import OAuth2Error
from authlib.oidc.core import CodeIDToken
import requests


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


class FormReader(html.parser.HTMLParser):
    """The forms of a page: action, method and the inputs' names and values."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": (a.get("method") or "get").upper(),
                               "fields": {}})
        elif tag in ("input", "button") and self.forms and a.get("name"):
            self.forms[-1]["fields"].setdefault(a["name"], a.get("value", ""))


def forms_of(page):
    reader = FormReader()
    reader.feed(page)
    return reader.forms


class RelyingParty:
    def __init__(self, args):
        self.args = args
        self.seen = {"issuer": args.issuer, "client_id": args.client_id, "steps": []}
        self.http = requests.Session()
        self.trust_only_the_ca_file(self.http)
        self.step = "start"

    # -- helpers ---------------------------------------------------------------------------
    def begin(self, step):
        self.step = step
        self.seen["steps"].append(step)

    def client(self, **extra):
        a = self.args
        session = OAuth2Session(
            client_id=a.client_id,
            client_secret=None if a.public else a.client_secret,
            token_endpoint_auth_method="none" if a.public else a.auth_method,
            revocation_endpoint_auth_method="none" if a.public else a.auth_method,
            scope=a.scope, redirect_uri=a.redirect_uri, code_challenge_method="S256", **extra)
        self.trust_only_the_ca_file(session)
        return session

    def trust_only_the_ca_file(self, session):
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment override a
        # session's verify (and reads proxies from it): neither may decide here.
        session.trust_env = False
        session.verify = self.args.ca_file

    def browser_headers(self):
        name, _, value = self.args.session_cookie.partition("=")
        return {"Cookie": f"{name}={value}"}

    def endpoint(self, name):
        url = self.discovery.get(name)
        check(isinstance(url, str) and url.startswith("https://"), f"discovery has no https {name}: {url!r}")
        return url

    # -- steps -----------------------------------------------------------------------------
    def discover(self):
        self.begin("discovery")
        r = self.http.get(self.args.issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=10)
        check(r.status_code == 200, f"discovery answered {r.status_code}: {r.text[:300]}")
        d = self.discovery = r.json()
        check(d.get("issuer") == self.args.issuer, f"discovery issuer {d.get('issuer')!r} != {self.args.issuer!r}")
        for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
                     "introspection_endpoint", "revocation_endpoint", "end_session_endpoint"):
            self.endpoint(name)
        check("S256" in d.get("code_challenge_methods_supported", []), "S256 is not in code_challenge_methods_supported")
        check("plain" not in d.get("code_challenge_methods_supported", []), "plain PKCE is offered")
        check("none" not in d.get("id_token_signing_alg_values_supported", ["none"]),
              f"id_token_signing_alg_values_supported: {d.get('id_token_signing_alg_values_supported')}")
        self.seen["discovery"] = d
        r = self.http.get(d["jwks_uri"], timeout=10)
        check(r.status_code == 200, f"jwks_uri answered {r.status_code}")
        jwks = r.json()
        self.keys = JsonWebKey.import_key_set(jwks)
        self.algorithms = [a for a in d["id_token_signing_alg_values_supported"] if a != "none"]
        self.seen["jwks"] = [{"kid": k.get("kid"), "kty": k.get("kty"), "alg": k.get("alg"), "use": k.get("use")}
                             for k in jwks.get("keys", [])]
        check(all("d" not in k and "p" not in k for k in jwks.get("keys", [])), "the JWKS holds private key material")

    def authorize(self, label, **params):
        """A code for this client, as the person's browser would get it: (code, verifier, nonce)."""
        self.begin(f"authorize:{label}")
        verifier, nonce = generate_token(64), generate_token(24)
        answer, state = self.ask_authorization(verifier, nonce, **params)
        check("error" not in answer, f"the authorization endpoint answered an error: {answer}")
        check(answer.get("state") == state, f"state {answer.get('state')!r} is not the one sent")
        check(answer.get("iss") == self.args.issuer, f"iss {answer.get('iss')!r} is not the issuer (RFC 9207)")
        check(answer.get("code"), "no code")
        return answer["code"], verifier, nonce

    def ask_authorization(self, verifier, nonce, **params):
        """The authorization request, sent with the person's session: (answer, state sent)."""
        if self.args.response_mode != "query":
            params["response_mode"] = self.args.response_mode
        url, state = self.client().create_authorization_url(
            self.endpoint("authorization_endpoint"), code_verifier=verifier, nonce=nonce, **params)
        r = self.http.get(url, headers=self.browser_headers(), allow_redirects=False, timeout=10)
        return self.read_authorization_response(r), state

    def read_authorization_response(self, r):
        """The parameters sent to the redirect URI; checks that they go to it exactly."""
        if self.args.response_mode == "form_post":
            check(r.status_code == 200, f"form_post: the endpoint answered {r.status_code}, not a form")
            forms = forms_of(r.text)
            check(len(forms) == 1, f"form_post: {len(forms)} forms on the page")
            form = forms[0]
            check(form["action"] == self.args.redirect_uri and form["method"] == "POST",
                  f"form_post: the form posts to {form['method']} {form['action']!r}")
            return form["fields"]
        check(r.status_code in (302, 303), f"the endpoint answered {r.status_code}, not a redirect: {r.text[:300]}")
        location = r.headers.get("Location", "")
        parts = urlsplit(location)
        target = f"{parts.scheme}://{parts.netloc}{parts.path}"
        check(target == self.args.redirect_uri, f"redirected to {location!r}, not the redirect_uri")
        return {k: v[0] for k, v in parse_qs(parts.query).items()}

    def exchange(self, code, verifier):
        rp = self.client()
        return rp, rp.fetch_token(self.endpoint("token_endpoint"), grant_type="authorization_code",
                                  code=code, code_verifier=verifier)

    def validate_id_token(self, id_token, nonce=None, access_token=None):
        header = json.loads(b64url_text(id_token.split(".")[0]))
        check(header.get("alg") in self.algorithms, f"ID token alg {header.get('alg')!r} not among {self.algorithms}")
        params = {"client_id": self.args.client_id}
        if nonce:
            params["nonce"] = nonce
        if access_token:
            params["access_token"] = access_token
        try:
            claims = JsonWebToken(self.algorithms).decode(
                id_token, self.keys, claims_cls=CodeIDToken,
                claims_options={"iss": {"essential": True, "value": self.args.issuer},
                                "aud": {"essential": True, "value": self.args.client_id}},
                claims_params=params)
            claims.validate(leeway=60)
        except JoseError as e:
            raise CheckFailed(f"the ID token does not validate: {e}")
        return header, dict(claims)

    def code_flow(self):
        code, verifier, nonce = self.authorize("first")
        self.begin("token")
        rp, token = self.exchange(code, verifier)
        for name in ("access_token", "id_token", "token_type", "expires_in"):
            check(name in token, f"the token response has no {name}: {sorted(token)}")
        check(token["token_type"].lower() == "bearer", f"token_type {token['token_type']!r}")
        header, claims = self.validate_id_token(token["id_token"], nonce, token["access_token"])
        check("at_hash" in claims, "the ID token has no at_hash")
        check(claims.get("sid"), "the ID token has no sid (back-channel logout needs it)")
        check(claims.get("auth_time"), "the ID token has no auth_time")
        self.seen["token"] = {"token_type": token["token_type"], "expires_in": token["expires_in"],
                              "scope": token.get("scope"), "has_refresh_token": "refresh_token" in token,
                              "access_token_is_jwt": token["access_token"].count(".") == 2}
        self.seen["id_token"] = {"header": header, "claims": claims}
        self.first = token
        self.userinfo(rp, token, claims["sub"])
        return rp, token

    def userinfo(self, rp, token, sub):
        self.begin("userinfo")
        url = self.endpoint("userinfo_endpoint")
        got = rp.get(url, timeout=10)
        check(got.status_code == 200, f"GET userinfo answered {got.status_code}: {got.text[:300]}")
        info = got.json()
        check(info.get("sub") == sub, f"userinfo sub {info.get('sub')!r} is not the ID token's {sub!r}")
        posted = rp.post(url, timeout=10)
        check(posted.status_code == 200, f"POST userinfo answered {posted.status_code}: {posted.text[:300]}")
        check(posted.json() == info, "POST userinfo differs from GET")
        anonymous = self.http.get(url, timeout=10)
        check(anonymous.status_code == 401, f"userinfo without a token answered {anonymous.status_code}")
        check("Bearer" in anonymous.headers.get("WWW-Authenticate", ""), "no WWW-Authenticate: Bearer on 401")
        self.seen["userinfo"] = info

    def token_request(self, **fields):
        """A raw token request with this client's authentication: (status, json)."""
        a = self.args
        auth = None
        if a.public:
            fields["client_id"] = a.client_id
        elif a.auth_method == "client_secret_post":
            fields.update(client_id=a.client_id, client_secret=a.client_secret)
        else:
            auth = (a.client_id, a.client_secret)
        r = self.http.post(self.endpoint("token_endpoint"), data=fields, auth=auth, timeout=10)
        return r.status_code, r.json()

    def refresh(self, rp, token):
        self.begin("refresh")
        check("refresh_token" in token, "no refresh token was issued (grant type refresh_token)")
        old = token["refresh_token"]
        new = rp.refresh_token(self.endpoint("token_endpoint"), refresh_token=old)
        check(new.get("access_token") and new["access_token"] != token["access_token"], "no new access token")
        check(new.get("refresh_token") and new["refresh_token"] != old, "the refresh token was not rotated")
        if "id_token" in new:
            _, claims = self.validate_id_token(new["id_token"])
            check(claims["sub"] == self.seen["id_token"]["claims"]["sub"], "the refreshed ID token names another sub")
        self.begin("refresh-reuse")
        status, body = self.token_request(grant_type="refresh_token", refresh_token=old)
        check(status == 400 and body.get("error") == "invalid_grant",
              f"the old refresh token was not refused: {status} {body}")
        status, after = self.token_request(grant_type="refresh_token", refresh_token=new["refresh_token"])
        check(status == 400 and after.get("error") == "invalid_grant",
              f"the reuse did not revoke the grant: the rotated refresh token still works ({status})")
        self.seen["refresh"] = {"rotated": True, "old_refused": body, "grant_revoked_on_reuse": True,
                                "returned_id_token": "id_token" in new}

    def introspect(self, rp, token, token_type_hint=None):
        r = rp.introspect_token(self.endpoint("introspection_endpoint"), token=token,
                                token_type_hint=token_type_hint, timeout=10)
        check(r.status_code == 200, f"introspection answered {r.status_code}: {r.text[:300]}")
        return r.json()

    def introspection_and_revocation(self):
        code, verifier, nonce = self.authorize("second")
        rp, token = self.exchange(code, verifier)
        self.validate_id_token(token["id_token"], nonce, token["access_token"])
        if self.args.public:
            self.seen["introspection"] = "skipped: public client"
        else:
            self.begin("introspection")
            active = self.introspect(rp, token["access_token"], "access_token")
            check(active.get("active") is True, f"a fresh access token is not active: {active}")
            check(active.get("client_id") == self.args.client_id, f"introspection client_id {active.get('client_id')!r}")
            check(active.get("sub") == self.seen["id_token"]["claims"]["sub"], "introspection names another sub")
            self.seen["introspection"] = {"active": active}
        self.begin("revocation")
        r = rp.revoke_token(self.endpoint("revocation_endpoint"), token=token["access_token"],
                            token_type_hint="access_token", timeout=10)
        check(r.status_code == 200, f"revocation answered {r.status_code}: {r.text[:300]}")
        if not self.args.public:
            after = self.introspect(rp, token["access_token"], "access_token")
            check(after == {"active": False}, f"a revoked access token introspects as {after}")
            self.seen["introspection"]["after_revocation"] = after
        gone = rp.get(self.endpoint("userinfo_endpoint"), timeout=10)
        check(gone.status_code == 401, f"userinfo with a revoked token answered {gone.status_code}")
        if "refresh_token" in token:
            r = rp.revoke_token(self.endpoint("revocation_endpoint"), token=token["refresh_token"],
                                token_type_hint="refresh_token", timeout=10)
            check(r.status_code == 200, f"revoking the refresh token answered {r.status_code}")
            status, body = self.token_request(grant_type="refresh_token", refresh_token=token["refresh_token"])
            check(status == 400 and body.get("error") == "invalid_grant",
                  f"a revoked refresh token still works: {status} {body}")
        # RFC 7009 section 2.2: an unknown token is not an error.
        r = rp.revoke_token(self.endpoint("revocation_endpoint"), token="never-issued", timeout=10)
        check(r.status_code == 200, f"revoking an unknown token answered {r.status_code}")
        self.seen["revocation"] = {"access_token": True, "refresh_token": "refresh_token" in token}

    def code_misuse(self):
        code, verifier, _ = self.authorize("reused")
        self.begin("code-reuse")
        rp, token = self.exchange(code, verifier)
        status, body = self.token_request(grant_type="authorization_code", code=code,
                                          redirect_uri=self.args.redirect_uri, code_verifier=verifier)
        check(status == 400 and body.get("error") == "invalid_grant", f"a reused code was not refused: {status} {body}")
        revoked = rp.get(self.endpoint("userinfo_endpoint"), timeout=10)
        self.seen["code_reuse"] = {"refused": body, "first_access_token_revoked": revoked.status_code == 401}
        check(revoked.status_code == 401, "the reuse of a code did not revoke the tokens it issued")
        code, verifier, _ = self.authorize("wrong-verifier")
        self.begin("wrong-verifier")
        status, body = self.token_request(grant_type="authorization_code", code=code,
                                          redirect_uri=self.args.redirect_uri, code_verifier=generate_token(64))
        check(status == 400 and body.get("error") == "invalid_grant", f"a wrong PKCE verifier was not refused: {status} {body}")
        self.seen["wrong_verifier"] = body

    def client_credentials(self):
        self.begin("client-credentials")
        rp = self.client()
        # No scope: a service-to-service token gets what the client is registered for (RFC 6749
        # section 3.3); openid and the person's claims mean nothing without a person.
        token = rp.fetch_token(self.endpoint("token_endpoint"), grant_type="client_credentials", scope="")
        check(token.get("access_token"), "no access token")
        check("id_token" not in token and "refresh_token" not in token,
              "client_credentials gave an ID token or a refresh token")
        self.seen["client_credentials"] = {"token_type": token.get("token_type"), "scope": token.get("scope"),
                                           "expires_in": token.get("expires_in")}

    def logout(self):
        self.begin("logout")
        state = generate_token(16)
        url = self.endpoint("end_session_endpoint") + "?" + urlencode({
            "id_token_hint": self.first["id_token"], "post_logout_redirect_uri": self.args.post_logout_redirect_uri,
            "state": state, "client_id": self.args.client_id})
        r = self.http.get(url, headers=self.browser_headers(), allow_redirects=False, timeout=10)
        confirmed = False
        if r.status_code == 200:  # a confirmation page: the person says yes
            forms = [f for f in forms_of(r.text) if f["method"] == "POST"]
            check(forms, f"logout answered a page without a form: {r.text[:300]}")
            action = requests.compat.urljoin(url, forms[0]["action"])
            r = self.http.post(action, data=forms[0]["fields"], headers=self.browser_headers(),
                               allow_redirects=False, timeout=10)
            confirmed = True
        check(r.status_code in (302, 303), f"logout answered {r.status_code}: {r.text[:300]}")
        location = r.headers["Location"]
        parts = urlsplit(location)
        check(f"{parts.scheme}://{parts.netloc}{parts.path}" == self.args.post_logout_redirect_uri,
              f"logout sent the browser to {location!r}")
        check(parse_qs(parts.query).get("state") == [state], f"logout lost the state: {location!r}")
        self.begin("after-logout")
        answer, sent = self.ask_authorization(generate_token(64), generate_token(24), prompt="none")
        check(answer.get("error") == "login_required" and answer.get("state") == sent,
              f"after logout, prompt=none answered {answer} instead of login_required")
        self.seen["logout"] = {"landed": location, "confirmation_page": confirmed, "after": answer.get("error")}

    def run(self):
        skip = set(self.args.skip or [])
        self.discover()
        rp, token = self.code_flow()
        if "refresh" not in skip:
            self.refresh(rp, token)
        if "revocation" not in skip:
            self.introspection_and_revocation()
        if "code-misuse" not in skip:
            self.code_misuse()
        if self.args.client_credentials:
            self.client_credentials()
        if self.args.post_logout_redirect_uri and "logout" not in skip:
            self.logout()
        self.seen["skipped"] = sorted(skip)


def b64url_text(segment):
    data = segment.encode("ascii")
    return urlsafe_b64decode(data + b"=" * (-len(data) % 4)).decode("utf-8")


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="An Authlib relying party run end to end against an OpenID Connect provider; "
                    "prints one JSON object of what it saw.")
    p.add_argument("--issuer", required=True, help="the provider's issuer (https://127.0.0.1:<port>/oidc)")
    p.add_argument("--ca-file", required=True, help="CA file that signed the provider's TLS certificate")
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", help="for a confidential client")
    p.add_argument("--public", action="store_true", help="a public client: no secret, PKCE alone")
    p.add_argument("--auth-method", default="client_secret_basic", choices=["client_secret_basic", "client_secret_post"])
    p.add_argument("--redirect-uri", required=True, help="a redirect URI registered for the client")
    p.add_argument("--session-cookie", required=True,
                   help="NAME=VALUE of the person's Sesame session cookie (sent to authorize and logout)")
    p.add_argument("--scope", default="openid profile email ent offline_access")
    p.add_argument("--response-mode", default="query", choices=["query", "form_post"])
    p.add_argument("--post-logout-redirect-uri", help="registered post-logout URI; empty: no logout step")
    p.add_argument("--client-credentials", action="store_true", help="also try the client_credentials grant")
    p.add_argument("--skip", action="append", choices=["refresh", "revocation", "code-misuse", "logout"],
                   help="leave a step out (repeatable): refresh for a client without the refresh_token "
                        "grant; the others to see what follows a step that fails")
    args = p.parse_args(argv)
    if not args.public and not args.client_secret:
        p.error("--client-secret or --public is required")
    if "=" not in args.session_cookie:
        p.error("--session-cookie must be NAME=VALUE")
    return args


def main(argv):
    args = parse_args(argv)
    rp = RelyingParty(args)
    status = 0
    try:
        rp.run()
    except CheckFailed as e:
        rp.seen["failed"] = {"step": rp.step, "message": str(e)}
    except (OAuth2Error, OAuthError) as e:  # the error response of an endpoint, as Authlib read it
        rp.seen["failed"] = {"step": rp.step, "message": f"OAuth 2.0 error {e.error}: {e.description}"}
    except (requests.RequestException, ValueError, KeyError) as e:
        rp.seen["failed"] = {"step": rp.step, "message": f"{type(e).__name__}: {e}"}
    if "failed" in rp.seen:
        status = 1
        sys.stderr.write(f"FAILED at {rp.seen['failed']['step']}: {rp.seen['failed']['message']}\n")
    print(json.dumps(rp.seen, indent=1, sort_keys=True, default=str))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
