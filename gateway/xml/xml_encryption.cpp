#include "gateway/xml/xml_encryption.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmlenc.h>
#include <xmlsec/xmltree.h>

#include <algorithm>
#include <array>

#include "gateway/xml/xml_text.hpp"
#include "gateway/xml/xmlsec_library.hpp"

namespace sesame::xml {
namespace {

constexpr const char* samlNs = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr std::string_view xencNs = "http://www.w3.org/2001/04/xmlenc#";
constexpr std::string_view dsigNs = "http://www.w3.org/2000/09/xmldsig#";
constexpr std::string_view elementType = "http://www.w3.org/2001/04/xmlenc#Element";

class EncryptionCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.xml.encryption"; }
    std::string message(int ev) const override {
        switch (static_cast<EncryptionErrc>(ev)) {
            case EncryptionErrc::ok:
                return "ok";
            case EncryptionErrc::bad_certificate:
                return "not an X.509 certificate with an RSA key (PEM or base64 DER)";
            case EncryptionErrc::bad_private_key:
                return "not a PEM RSA private key";
            case EncryptionErrc::unsupported_algorithm:
                return "encryption algorithm not accepted";
            case EncryptionErrc::not_encrypted:
                return "no EncryptedData or EncryptedKey where SAML puts them";
            case EncryptionErrc::encryption_failed:
                return "XML encryption failed";
            case EncryptionErrc::decryption_failed:
                return "XML decryption failed";
        }
        return "unknown sesame.xml.encryption error";
    }
};

struct KeyFree {
    void operator()(xmlSecKeyPtr key) const { xmlSecKeyDestroy(key); }
};
using KeyPtr = std::unique_ptr<xmlSecKey, KeyFree>;

struct EncCtxFree {
    void operator()(xmlSecEncCtxPtr ctx) const { xmlSecEncCtxDestroy(ctx); }
};
using EncCtxPtr = std::unique_ptr<xmlSecEncCtx, EncCtxFree>;

struct CipherSpec {
    DataCipher cipher;
    std::string_view uri;
    xmlSecTransformId (*transform)();
    std::size_t keyBytes;
};

xmlSecTransformId aes256Gcm() {
    return xmlSecTransformAes256GcmId;
}
xmlSecTransformId aes128Cbc() {
    return xmlSecTransformAes128CbcId;
}
xmlSecTransformId aes256Cbc() {
    return xmlSecTransformAes256CbcId;
}

const std::array<CipherSpec, 3> ciphers{{
    {DataCipher::aes256Gcm, "http://www.w3.org/2009/xmlenc11#aes256-gcm", aes256Gcm, 32},
    {DataCipher::aes128Cbc, "http://www.w3.org/2001/04/xmlenc#aes128-cbc", aes128Cbc, 16},
    {DataCipher::aes256Cbc, "http://www.w3.org/2001/04/xmlenc#aes256-cbc", aes256Cbc, 32},
}};

const CipherSpec& spec(DataCipher cipher) {
    return *std::find_if(ciphers.begin(), ciphers.end(),
                         [&](const CipherSpec& c) { return c.cipher == cipher; });
}

const xmlChar* xmlText(const char* s) {
    return reinterpret_cast<const xmlChar*>(s);
}

// The Algorithm of a node's xenc:EncryptionMethod child ("" when absent).
std::string encryptionMethod(XmlElement node) {
    auto method = node.child(xencNs, "EncryptionMethod");
    if (!method) return {};
    return method->attribute("Algorithm").value_or("");
}

// A context that runs only `transform` and never resolves a URI (xmlsec would otherwise follow
// a CipherReference or a RetrievalMethod: files, network).
EncCtxPtr restrictedContext(xmlSecTransformId transform, KeyPtr key,
                            xmlEncCtxMode mode = xmlEncCtxModeEncryptedData) {
    EncCtxPtr ctx(xmlSecEncCtxCreate(nullptr));
    if (!ctx) throw std::bad_alloc();
    ctx->mode = mode;
    void* id = const_cast<void*>(static_cast<const void*>(transform));
    if (xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms, id) < 0) throw std::bad_alloc();
    ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
    ctx->keyInfoReadCtx.maxRetrievalMethodLevel = 0;
    ctx->keyInfoReadCtx.maxEncryptedKeyLevel = 0;
    ctx->encKey = key.release();
    return ctx;
}

// Base64 to bytes with OpenSSL's decoder, which skips whitespace (metadata wraps lines).
std::optional<std::string> base64Decode(std::string_view text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
    if (!ctx) throw std::bad_alloc();
    EVP_DecodeInit(ctx);
    int written = 0, last = 0;
    bool ok =
        EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(out.data()), &written,
                         reinterpret_cast<const unsigned char*>(text.data()),
                         static_cast<int>(text.size())) >= 0 &&
        EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(out.data()) + written, &last) == 1;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok) return std::nullopt;
    out.resize(static_cast<std::size_t>(written + last));
    return out;
}

}  // namespace

const boost::system::error_category& encryptionCategory() noexcept {
    static const EncryptionCategory category;
    return category;
}

std::string_view algorithmUri(DataCipher cipher) {
    return spec(cipher).uri;
}

std::optional<DataCipher> dataCipherFromUri(std::string_view uri) {
    for (const auto& c : ciphers)
        if (c.uri == uri) return c.cipher;
    return std::nullopt;
}

DataCipher chooseDataCipher(const std::vector<std::string>& advertised) {
    auto lists = [&](DataCipher c) {
        return std::find(advertised.begin(), advertised.end(), algorithmUri(c)) != advertised.end();
    };
    for (DataCipher c : {DataCipher::aes256Gcm, DataCipher::aes256Cbc, DataCipher::aes128Cbc})
        if (lists(c)) return c;
    return DataCipher::aes256Gcm;
}

Result<std::string> certificateDer(std::string_view text) {
    constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
    constexpr std::string_view end = "-----END CERTIFICATE-----";
    if (auto at = text.find(begin); at != std::string_view::npos) {
        text.remove_prefix(at + begin.size());
        auto stop = text.find(end);
        if (stop == std::string_view::npos) return EncryptionErrc::bad_certificate;
        text = text.substr(0, stop);
    }
    auto der = base64Decode(text);
    if (!der || der->empty()) return EncryptionErrc::bad_certificate;
    // The whole input must be one certificate: d2i_X509 stops at its end, trailing bytes refused.
    const auto* p = reinterpret_cast<const unsigned char*>(der->data());
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
    bool whole = cert && p == reinterpret_cast<const unsigned char*>(der->data()) + der->size();
    X509_free(cert);
    if (!whole) return EncryptionErrc::bad_certificate;
    return std::move(*der);
}

struct EncryptionCertificate::State {
    KeyPtr key;
};

Result<EncryptionCertificate> EncryptionCertificate::load(std::string_view text) {
    initXmlsec();
    auto der = certificateDer(text);
    if (!der) return der.error();
    KeyPtr key(xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(der->data()),
                                            static_cast<xmlSecSize>(der->size()),
                                            xmlSecKeyDataFormatCertDer, nullptr, nullptr, nullptr));
    if (!key || !xmlSecKeyDataCheckId(xmlSecKeyGetValue(key.get()), xmlSecKeyDataRsaId))
        return EncryptionErrc::bad_certificate;
    // Only the RSA value is kept, not the certificate's X509 data: every encryption duplicates
    // the key, and duplicating X509 data re-encodes and re-decodes the certificate (about
    // 100 µs with OpenSSL 3.0) where duplicating the RSA value takes a reference.
    KeyPtr bare(xmlSecKeyCreate());
    xmlSecKeyDataPtr value = xmlSecKeyDataDuplicate(xmlSecKeyGetValue(key.get()));
    if (!bare || !value || xmlSecKeySetValue(bare.get(), value) < 0) {
        if (value) xmlSecKeyDataDestroy(value);
        throw std::bad_alloc();
    }
    auto state = std::make_shared<State>();
    state->key = std::move(bare);
    return EncryptionCertificate(std::move(state));
}

struct DecryptionKey::State {
    KeyPtr key;
};

Result<DecryptionKey> DecryptionKey::loadPem(std::string_view pem) {
    initXmlsec();
    KeyPtr key(xmlSecCryptoAppKeyLoadMemory(reinterpret_cast<const xmlSecByte*>(pem.data()),
                                            static_cast<xmlSecSize>(pem.size()),
                                            xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr));
    if (!key || !xmlSecKeyDataCheckId(xmlSecKeyGetValue(key.get()), xmlSecKeyDataRsaId) ||
        !(xmlSecKeyGetType(key.get()) & xmlSecKeyDataTypePrivate))
        return EncryptionErrc::bad_private_key;
    auto state = std::make_shared<State>();
    state->key = std::move(key);
    return DecryptionKey(std::move(state));
}

namespace {

// A session key as raw bytes (wrapped into EncryptedKey) and as an xmlsec AES key (used on the
// data); the raw copy is wiped when done.
struct SessionKey {
    explicit SessionKey(std::string bytes) : raw(std::move(bytes)) {}
    // A fresh key from OpenSSL's CSPRNG.
    static SessionKey random(std::size_t bytes) {
        std::string raw(bytes, '\0');
        if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
            throw std::runtime_error("RAND_bytes failed");
        return SessionKey(std::move(raw));
    }
    SessionKey(SessionKey&&) = default;
    ~SessionKey() { OPENSSL_cleanse(raw.data(), raw.size()); }
    KeyPtr aesKey() const {
        KeyPtr key(xmlSecKeyReadMemory(xmlSecKeyDataAesId,
                                       reinterpret_cast<const xmlSecByte*>(raw.data()),
                                       static_cast<xmlSecSize>(raw.size())));
        if (!key) throw std::bad_alloc();
        return key;
    }
    std::string raw;
};

// Declares on `node` every namespace in scope there that it does not declare itself. xmlsec
// serialises the element to encrypt as it is (xmlNodeDump), so a prefix declared on the
// Response (saml:, ds:) would be undeclared in the plaintext, and an SP that parses the
// plaintext alone (rather than in the EncryptedData's context) would not read it. The exclusive
// canonicalisation of the assertion's signature is unchanged by such declarations
// (xml-exc-c14n §3: only visibly used namespaces are output, wherever declared).
void declareInScopeNamespaces(xmlNodePtr node) {
    xmlNsPtr* inScope = xmlGetNsList(node->doc, node);
    if (!inScope) return;
    for (xmlNsPtr* ns = inScope; *ns; ++ns) {
        bool declared = false;
        for (xmlNsPtr own = node->nsDef; own && !declared; own = own->next)
            declared = xmlStrEqual(own->prefix, (*ns)->prefix);
        if (!declared && !xmlNewNs(node, (*ns)->href, (*ns)->prefix)) throw std::bad_alloc();
    }
    xmlFree(inScope);
}

// The saml:EncryptedAssertion that takes EncryptedData's place, with the saml namespace in
// scope reused (or declared) so that the element keeps the document's prefix.
xmlNodePtr wrapInEncryptedAssertion(xmlDocPtr doc, xmlNodePtr encryptedData) {
    xmlNodePtr wrapper = xmlNewDocNode(doc, nullptr, xmlText("EncryptedAssertion"), nullptr);
    if (!wrapper) throw std::bad_alloc();
    xmlNsPtr ns = xmlSearchNsByHref(doc, encryptedData->parent, xmlText(samlNs));
    if (!ns) ns = xmlNewNs(wrapper, xmlText(samlNs), xmlText("saml"));
    xmlSetNs(wrapper, ns);
    xmlReplaceNode(encryptedData, wrapper);
    xmlAddChild(wrapper, encryptedData);
    return wrapper;
}

}  // namespace

Result<void> encryptAssertion(XmlDocument& document, XmlElement assertion,
                              const EncryptionCertificate& recipient, DataCipher cipher) {
    initXmlsec();
    const CipherSpec& data = spec(cipher);
    xmlDocPtr doc = document.native();
    xmlNodePtr node = assertion.native();
    if (!node || node->doc != doc || !node->parent) return EncryptionErrc::encryption_failed;

    declareInScopeNamespaces(node);
    xmlNodePtr encData = xmlSecTmplEncDataCreate(doc, data.transform(), nullptr,
                                                 xmlText(elementType.data()), nullptr, nullptr);
    if (!encData) throw std::bad_alloc();
    if (!xmlSecTmplEncDataEnsureCipherValue(encData)) {
        xmlFreeNode(encData);
        throw std::bad_alloc();
    }
    auto sessionKey = SessionKey::random(data.keyBytes);
    auto dataCtx = restrictedContext(data.transform(), sessionKey.aesKey());
    // On success xmlsec puts encData in the assertion's place and frees the assertion.
    if (xmlSecEncCtxXmlEncrypt(dataCtx.get(), encData, node) < 0) {
        xmlFreeNode(encData);
        return EncryptionErrc::encryption_failed;
    }
    // The session key, wrapped for the recipient, goes into EncryptedData/ds:KeyInfo only now:
    // present during the data encryption, xmlsec would try to write it itself from a key store.
    xmlNodePtr keyInfo = xmlSecTmplEncDataEnsureKeyInfo(encData, nullptr);
    xmlNodePtr encKey = keyInfo ? xmlSecTmplKeyInfoAddEncryptedKey(
                                      keyInfo, xmlSecTransformRsaOaepId, nullptr, nullptr, nullptr)
                                : nullptr;
    if (!encKey || !xmlSecTmplEncDataEnsureCipherValue(encKey)) throw std::bad_alloc();
    KeyPtr publicKey(xmlSecKeyDuplicate(recipient.state_->key.get()));
    if (!publicKey) throw std::bad_alloc();
    auto keyCtx = restrictedContext(xmlSecTransformRsaOaepId, std::move(publicKey),
                                    xmlEncCtxModeEncryptedKey);
    if (xmlSecEncCtxBinaryEncrypt(keyCtx.get(), encKey,
                                  reinterpret_cast<const xmlSecByte*>(sessionKey.raw.data()),
                                  static_cast<xmlSecSize>(sessionKey.raw.size())) < 0)
        // The assertion is already gone: a broken invariant (the key was checked RSA at load).
        throw std::runtime_error("xmlsec: RSA-OAEP key transport failed");
    wrapInEncryptedAssertion(doc, encData);
    return {};
}

namespace {

std::vector<XmlElement> encryptedKeys(XmlElement encryptedAssertion, XmlElement encryptedData) {
    std::vector<XmlElement> keys;
    if (auto keyInfo = encryptedData.child(dsigNs, "KeyInfo"))
        for (auto child : keyInfo->children())
            if (child.is(xencNs, "EncryptedKey")) keys.push_back(child);
    for (auto child : encryptedAssertion.children())
        if (child.is(xencNs, "EncryptedKey")) keys.push_back(child);
    return keys;
}

// The session key from one EncryptedKey, when it was wrapped for `key` with RSA-OAEP-MGF1P.
std::optional<std::string> unwrapSessionKey(XmlElement encryptedKey, const xmlSecKey* key) {
    if (encryptionMethod(encryptedKey) != rsaOaepMgf1pUri) return std::nullopt;
    KeyPtr privateKey(xmlSecKeyDuplicate(const_cast<xmlSecKeyPtr>(key)));
    if (!privateKey) throw std::bad_alloc();
    auto ctx = restrictedContext(xmlSecTransformRsaOaepId, std::move(privateKey),
                                 xmlEncCtxModeEncryptedKey);
    xmlSecBufferPtr plain = xmlSecEncCtxDecryptToBuffer(ctx.get(), encryptedKey.native());
    if (!plain) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(xmlSecBufferGetData(plain)),
                    xmlSecBufferGetSize(plain));
    return out;
}

// The decrypted element as a document of its own. A plaintext may use prefixes declared around
// the EncryptedAssertion (xmlenc-core §4.4: it is parsed in that context): it is parsed inside
// a wrapper declaring them, those declarations are moved onto the assertion, and the assertion
// alone is parsed again with XmlDocument's hardening.
Result<XmlDocument> standaloneAssertion(std::string_view plaintext, XmlElement context,
                                        std::size_t maxBytes) {
    if (plaintext.size() > maxBytes) return Errc::too_large;
    std::string wrapped = "<w";
    xmlNsPtr* inScope = xmlGetNsList(context.native()->doc, context.native());
    for (xmlNsPtr* ns = inScope; ns && *ns; ++ns) {
        wrapped += (*ns)->prefix
                       ? " xmlns:" + std::string(reinterpret_cast<const char*>((*ns)->prefix))
                       : std::string(" xmlns");
        wrapped += "=\"" + escape(reinterpret_cast<const char*>((*ns)->href)) + "\"";
    }
    xmlFree(inScope);
    wrapped += ">";
    wrapped += plaintext;
    wrapped += "</w>";
    auto inContext = XmlDocument::parse(wrapped, maxBytes + wrapped.size() - plaintext.size());
    if (!inContext) return inContext.error();
    auto elements = inContext->root().children();
    if (elements.size() != 1 || !elements[0].is(samlNs, "Assertion"))
        return EncryptionErrc::not_encrypted;
    xmlNodePtr assertion = elements[0].native();
    declareInScopeNamespaces(assertion);
    xmlBufferPtr buffer = xmlBufferCreate();
    if (!buffer) throw std::bad_alloc();
    xmlNodeDump(buffer, assertion->doc, assertion, 0, 0);
    std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                     static_cast<std::size_t>(xmlBufferLength(buffer)));
    xmlBufferFree(buffer);
    return XmlDocument::parse(text, maxBytes);
}

}  // namespace

Result<XmlDocument> decryptAssertion(XmlElement encryptedAssertion, const DecryptionKey& key,
                                     std::size_t maxBytes) {
    initXmlsec();
    if (!encryptedAssertion.is(samlNs, "EncryptedAssertion")) return EncryptionErrc::not_encrypted;
    auto encData = encryptedAssertion.child(xencNs, "EncryptedData");
    if (!encData) return EncryptionErrc::not_encrypted;
    auto cipher = dataCipherFromUri(encryptionMethod(*encData));
    if (!cipher) return EncryptionErrc::unsupported_algorithm;
    // Type must say Element (SAML core §6.1); CipherValue only, never CipherReference.
    if (encData->attribute("Type").value_or("") != elementType)
        return EncryptionErrc::unsupported_algorithm;
    auto cipherData = encData->child(xencNs, "CipherData");
    if (!cipherData || !cipherData->child(xencNs, "CipherValue"))
        return EncryptionErrc::not_encrypted;
    const CipherSpec& data = spec(*cipher);

    auto keys = encryptedKeys(encryptedAssertion, *encData);
    if (keys.empty()) return EncryptionErrc::not_encrypted;
    bool anyOaep = false;
    for (auto encryptedKey : keys) {
        anyOaep = anyOaep || encryptionMethod(encryptedKey) == rsaOaepMgf1pUri;
        auto unwrapped = unwrapSessionKey(encryptedKey, key.state_->key.get());
        if (!unwrapped) continue;
        SessionKey sessionKey(std::move(*unwrapped));
        if (sessionKey.raw.size() != data.keyBytes) continue;
        auto ctx = restrictedContext(data.transform(), sessionKey.aesKey());
        xmlSecBufferPtr plain = xmlSecEncCtxDecryptToBuffer(ctx.get(), encData->native());
        if (!plain) return EncryptionErrc::decryption_failed;
        std::string_view text(reinterpret_cast<const char*>(xmlSecBufferGetData(plain)),
                              xmlSecBufferGetSize(plain));
        return standaloneAssertion(text, encryptedAssertion, maxBytes);
    }
    return anyOaep ? EncryptionErrc::decryption_failed : EncryptionErrc::unsupported_algorithm;
}

}  // namespace sesame::xml
