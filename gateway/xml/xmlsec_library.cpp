#include "gateway/xml/xmlsec_library.hpp"

#include <libxml/parser.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmlsec.h>

#include <mutex>
#include <new>
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
        // A refused signature is a Result value for the caller to log once, with the request
        // id: xmlsec's own lines on stderr would be neither structured nor attributable.
        xmlSecErrorsDefaultCallbackEnableOutput(0);
    });
}

xmlSecKeyPtr xmlsecKeyOf(EVP_PKEY* key) {
    if (!key || EVP_PKEY_up_ref(key) != 1) throw std::bad_alloc();
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(key);
    if (!data) {
        EVP_PKEY_free(key);
        throw std::bad_alloc();
    }
    xmlSecKeyPtr out = xmlSecKeyCreate();
    if (!out || xmlSecKeySetValue(out, data) < 0) {
        if (out) xmlSecKeyDestroy(out);
        xmlSecKeyDataDestroy(data);
        throw std::bad_alloc();
    }
    return out;
}

}  // namespace sesame::xml
