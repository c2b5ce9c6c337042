#pragma once
// xmlsec1 and its OpenSSL back end, initialised once per process: every signature, verification,
// encryption and decryption in gateway/xml calls initXmlsec() first. Throws std::runtime_error
// when xmlsec cannot start (a broken installation: a start-up failure, not a request error).
#include <openssl/evp.h>
#include <xmlsec/keys.h>

namespace sesame::xml {

void initXmlsec();

// A new xmlsec key holding a reference to `key` (public, or private and public): how the keys
// and certificates of xml_keys.hpp reach xmlsec. The caller destroys it (xmlSecKeyDestroy).
xmlSecKeyPtr xmlsecKeyOf(EVP_PKEY* key);

}  // namespace sesame::xml
