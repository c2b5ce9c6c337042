#pragma once
// Two RSA keys for the signature tests, generated once per test run by the code under test
// (generateSigningKeyIfAbsent) in a private directory: `idp` is the trusted signer, `other`
// a key nobody trusts (an attacker's, or a wrong certificate in metadata).
#include <filesystem>
#include <string>

#include "gateway/xml/xml_keys.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::xml::testing {

struct TestKeys {
    sesame::testing::TempDir dir{"sesame-xml-keys"};
    std::filesystem::path idpKeyFile = dir / "idp.key";
    std::filesystem::path idpCertificateFile = dir / "idp.crt";
    std::filesystem::path otherKeyFile = dir / "other.key";
    std::filesystem::path otherCertificateFile = dir / "other.crt";
    SigningKey idp = generateSigningKeyIfAbsent(idpKeyFile, idpCertificateFile, "idp.test").value();
    SigningKey other =
        generateSigningKeyIfAbsent(otherKeyFile, otherCertificateFile, "other.test").value();
};

inline const TestKeys& testKeys() {
    static const TestKeys keys;
    return keys;
}

inline std::string replaceOnce(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("replaceOnce: '" + from + "' not found");
    return text.replace(at, from.size(), to);
}

}  // namespace sesame::xml::testing
