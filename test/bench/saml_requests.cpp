// The SAML SSO benchmark's AuthnRequests (test/bench/run.sh --saml): Sesame refuses an
// AuthnRequest ID it has seen (issue 8, hardening), so every request of a run must be a new
// one. This writes them beforehand, as mod_auth_mellon sends them (HTTP-Redirect binding,
// signed with the SP's key since its metadata says AuthnRequestsSigned="true"), one query a line
// ("SAMLRequest=...&RelayState=...&SigAlg=...&Signature=...", to append to /saml/sso?).
//
//   saml_requests <count> <out file> <issuer> <destination> <acs url> <sp key> <sp certificate>
//
// Signing with the SP's 3072-bit key is the slow part: it runs on every core.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/saml_message.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace xml = sesame::xml;
namespace names = sesame::xml::saml;

namespace {

struct Template {
    std::string issuer, destination, acs;
};

// One query for a fresh AuthnRequest (new ID, IssueInstant now), signed with `key` when there is
// one; an empty string when signing failed.
std::string requestQuery(const Template& t, const xml::SigningKey* key, std::int64_t now,
                         std::size_t n) {
    names::AuthnRequest request;
    request.id = names::newMessageId();
    request.issueInstant = now;
    request.destination = t.destination;
    request.issuer = t.issuer;
    request.assertionConsumerServiceUrl = t.acs;
    request.protocolBinding = std::string(names::binding::httpPost);
    request.nameIdPolicy = names::NameIdPolicy{std::string(names::nameid::transient), true, ""};
    const std::string relay = "https://mellon.sp.example.org/page/" + std::to_string(n);
    const std::string xmlText = names::writeAuthnRequest(request);
    if (!key) return xml::encodeRedirect(xml::SamlMessageKind::request, xmlText, relay);
    auto query = xml::encodeSignedRedirect(xml::SamlMessageKind::request, xmlText, relay, *key);
    return query ? *query : std::string{};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6 && argc != 8) {
        std::cerr << "usage: saml_requests <count> <out file> <issuer> <destination> <acs url> "
                     "[<sp key> <sp certificate>]\n";
        return 2;
    }
    const std::size_t count = std::strtoull(argv[1], nullptr, 10);
    const Template t{argv[3], argv[4], argv[5]};
    std::optional<xml::SigningKey> key;
    if (argc == 8) {
        auto loaded = xml::SigningKey::load(argv[6], argv[7]);
        if (!loaded) {
            std::cerr << "saml_requests: " << argv[6] << ": " << loaded.error().message() << "\n";
            return 1;
        }
        key.emplace(std::move(*loaded));
    }
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<std::string> lines(count);
    const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
            for (std::size_t i = w; i < count; i += workers)
                lines[i] = requestQuery(t, key ? &*key : nullptr, now, i);
        });
    for (auto& thread : threads) thread.join();
    std::ofstream out(argv[2]);
    for (const auto& line : lines) {
        if (line.empty()) {
            std::cerr << "saml_requests: could not sign an AuthnRequest\n";
            return 1;
        }
        out << line << '\n';
    }
    return out ? 0 : 1;
}
