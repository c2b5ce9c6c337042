#include "gateway/xml/xmlsec_library.hpp"

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmlsec.h>

#include <mutex>
#include <stdexcept>

namespace sesame::xml {

void initXmlsec() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        if (xmlSecInit() < 0) throw std::runtime_error("xmlsec: initialisation failed");
        if (xmlSecCheckVersion() != 1) throw std::runtime_error("xmlsec: library version mismatch");
        // The OpenSSL back end is linked, not loaded at run time
        // (XMLSEC_NO_CRYPTO_DYNAMIC_LOADING in xmlsec1-openssl's pkg-config flags).
        if (xmlSecCryptoAppInit(nullptr) < 0 || xmlSecCryptoInit() < 0)
            throw std::runtime_error("xmlsec: OpenSSL back end failed to start");
    });
}

}  // namespace sesame::xml
