#include "protocols/saml/peer_certificates.hpp"

namespace sesame::saml {

std::vector<xml::Certificate> PeerCertificates::signing(
    const std::vector<std::string>& base64Ders) {
    std::vector<xml::Certificate> out;
    std::lock_guard lock(mutex_);
    for (const auto& der : base64Ders) {
        if (auto found = signing_.find(der); found != signing_.end()) {
            out.push_back(found->second);
            continue;
        }
        auto parsed = xml::Certificate::fromBase64Der(der);
        if (!parsed) continue;
        if (signing_.size() >= maxEntries) signing_.clear();
        signing_.emplace(der, *parsed);
        out.push_back(std::move(*parsed));
    }
    return out;
}

Result<xml::EncryptionCertificate> PeerCertificates::encryption(const std::string& base64Der) {
    std::lock_guard lock(mutex_);
    if (auto found = encryption_.find(base64Der); found != encryption_.end()) return found->second;
    auto parsed = xml::EncryptionCertificate::load(base64Der);
    if (!parsed) return parsed.error();
    if (encryption_.size() >= maxEntries) encryption_.clear();
    encryption_.emplace(base64Der, *parsed);
    return parsed;
}

}  // namespace sesame::saml
