#pragma once
// The service providers' certificates (base64 DER, as their metadata publishes them), parsed
// once each and shared by every thread: OpenSSL 3.0 takes about 100 µs to decode one
// certificate, a third of what signing an assertion costs, and the SSO path needs the SP's
// signing certificates (to verify its AuthnRequest) and its encryption certificate on every
// request (docs/performance.md, "SAML SSO"). Keyed by the certificate's own text, so a
// metadata refresh that changes a key finds the new one and never a stale one.
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/xml/xml_encryption.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::saml {

class PeerCertificates {
  public:
    // Those that parse, in order (one that does not was refused when the metadata was read).
    std::vector<xml::Certificate> signing(const std::vector<std::string>& base64Ders);
    Result<xml::EncryptionCertificate> encryption(const std::string& base64Der);

  private:
    // A federation of a few thousand SPs holds a few MB here; past this many entries (a
    // registry reloaded many times with rolled keys) the cache starts again.
    static constexpr std::size_t maxEntries = 8192;
    std::mutex mutex_;
    std::map<std::string, xml::Certificate, std::less<>> signing_;
    std::map<std::string, xml::EncryptionCertificate, std::less<>> encryption_;
};

}  // namespace sesame::saml
