// What a SAML endpoint reads before anybody is authenticated: a Redirect-binding query
// (xml::decodeRedirect: query split, base64, bounded inflate, XmlDocument::parse; then
// verifyRedirect) and an HTTP-POST form (core::parseForm, xml::decodePost), then the enveloped
// signature of the message and of its Assertion (xml::verifyEnveloped: shape checks, ID
// registration, xmlsec1). The trusted certificate is fixed below; the seeds were signed with
// its key (not committed: to make new signed seeds, replace the certificate with a new one).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/text.hpp"
#include "gateway/xml/redirect_binding.hpp"
#include "gateway/xml/xml_keys.hpp"
#include "gateway/xml/xml_signature.hpp"
#include "test/fuzz/fuzz_check.hpp"
#include "test/fuzz/fuzz_input.hpp"

using namespace sesame;

namespace {

constexpr std::string_view trustedPem = R"(-----BEGIN CERTIFICATE-----
MIICsDCCAZigAwIBAgIQEFXQg4Btnj+NXO8maz3jmzANBgkqhkiG9w0BAQsFADAU
MRIwEAYDVQQDDAlmdXp6LnRlc3QwHhcNMjYxMjA3MjIwMDMzWhcNMzYxMjA3MjIw
MDMzWjAUMRIwEAYDVQQDDAlmdXp6LnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IB
DwAwggEKAoIBAQCm8uypZ2DdbsambTk95cG73jYnvhh3KVww4FHDh2m9EzXFctYr
1vPqr1sHmh24yo1MVsIUUMPGDqE0hMlrz2JIoqX/JgwkyV1a+3U8dP5C1+OJKYKl
0yo4CLoZu7kMRtgwQcy0/npMmVezMNl81+UB8Cu0FwjU7gkXJXnbIkzpRTq23Uqj
LGS7jjGQMrNo9kBpsok8F66ZNAVhHwoYJLvCm2KpV9+tWmGO+67XduBM55YjTJdZ
t1/OMHP7grPT+yr7lECF9wMpd6O2DCzOX/2mniyvCGgnh3dK4xyYdALOTg3DWuzx
aHjSWRRVfyztyRMfepFMnz7imvW4iwU+tz6JAgMBAAEwDQYJKoZIhvcNAQELBQAD
ggEBADgEkzDp/8BMjN90Cf2dodKRWzfHX3VRdrSg2cr6VBra/bR+MFzKQbcbX7jz
HmsqCDHuvnIVDY7gDfkxxe/l2NQ6Qe/rZuo4ZfWv8powjE8Bv81DhXnDqZDBE6V5
YtFUYLCnf2Gc9jj1S3SgXtEKM7riZS6TlBWuOp4Kels5zKJ5RvK9/T84/7ulmOx/
qySNSpoKPjz+0fv5vtVAAJZOfN7Ic6PxUIJR4ejQ/sZjcZyf+MKdkKOHv2oKzC5w
vS9tqf17FpCjkxMvR/5Ph2MUoF5nLn+J5hTyvCnqIvtXzSfhE/hnYtTPBtIKftKH
+/TsQu2KSlXofiDg5Px0BY/LCUA=
-----END CERTIFICATE-----
)";
constexpr std::string_view samlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::size_t maxXml = 64 * 1024;

const std::vector<xml::Certificate>& trusted() {
    static const std::vector<xml::Certificate> certificates{
        xml::Certificate::fromPem(trustedPem).value()};
    return certificates;
}

// The message's signature and its Assertion's, as an IdP or SP checks them; a verified element
// is always the one that was asked for.
void verifySignatures(const xml::XmlDocument& document) {
    auto root = document.root();
    std::vector<xml::XmlElement> signable{root};
    if (auto assertion = root.child(samlNs, "Assertion")) signable.push_back(*assertion);
    for (const auto& element : signable) {
        auto verified = xml::verifyEnveloped(document, element, trusted());
        if (verified) {
            FUZZ_CHECK(verified->element == element);
            verified->element.text();
        }
    }
}

void redirect(std::string_view query) {
    auto received = xml::decodeRedirect(query, maxXml);
    if (!received) return;
    (void)xml::verifyRedirect(*received, trusted());
    verifySignatures(received->document);
    // What was accepted goes out again the same way and comes back the same.
    auto again = xml::decodeRedirect(
        xml::encodeRedirect(received->kind, received->document.toString(), received->relayState),
        2 * maxXml);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->kind == received->kind && again->relayState == received->relayState);
}

void post(std::string_view body) {
    auto form = core::parseForm(body);
    if (!form) return;
    auto received = xml::decodePost(*form, maxXml);
    if (!received) return;
    verifySignatures(received->document);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    redirect(fuzz::takeLine(input));
    post(input);
    return 0;
}
