#include "gateway/xml/xml_signature.hpp"

#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <array>
#include <new>
#include <string>
#include <string_view>

#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/xml_text.hpp"
#include "gateway/xml/xmlsec_library.hpp"

namespace sesame::xml {
namespace {

constexpr std::string_view dsNs = saml::ns::dsig;
constexpr std::string_view samlNs = saml::ns::assertion;
// Exclusive c14n's algorithm URI, also the namespace of its InclusiveNamespaces element.
constexpr std::string_view excC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::string_view envelopedSignature =
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr std::array<std::string_view, 3> allowedDigests = {
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
};

const xmlChar* xmlString(const char* s) {
    return reinterpret_cast<const xmlChar*>(s);
}

std::string_view asView(const xmlChar* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

xmlSecTransformId transformOf(SignatureAlgorithm algorithm) {
    switch (algorithm) {
        case SignatureAlgorithm::rsaSha384:
            return xmlSecTransformRsaSha384Id;
        case SignatureAlgorithm::rsaSha512:
            return xmlSecTransformRsaSha512Id;
        case SignatureAlgorithm::rsaSha256:
            break;
    }
    return xmlSecTransformRsaSha256Id;
}

// The element children of `node` (comments and text between them are not structure).
std::vector<XmlElement> elements(xmlNodePtr node) {
    return XmlElement(node).children();
}

// An element's "ID" attribute node, when its value is an NCName (xs:ID, SAML core §1.3.4).
// Also what keeps the value safe inside the xpointer(id('...')) xmlsec builds from the URI.
xmlAttrPtr idAttribute(XmlElement element) {
    xmlAttrPtr attribute = xmlHasNsProp(element.native(), xmlString("ID"), nullptr);
    if (!attribute) return nullptr;
    auto value = element.attribute("ID");
    return value && isNcName(*value) ? attribute : nullptr;
}

bool carriesId(xmlAttrPtr attribute, std::string_view id) {
    std::string_view name = asView(attribute->name);
    bool idName = attribute->ns
                      ? asView(attribute->ns->href) == asView(XML_XML_NAMESPACE) && name == "id"
                      : name == "ID" || name == "Id" || name == "id";
    if (!idName) return false;
    xmlChar* value = xmlNodeListGetString(attribute->doc, attribute->children, 1);
    bool same = asView(value) == id;
    xmlFree(value);
    return same;
}

// Whether an element other than `owner` carries `id`: two elements with one ID are how a
// wrapped copy hides next to the signed original, so such a document is refused outright.
bool idElsewhere(xmlDocPtr doc, xmlNodePtr owner, std::string_view id) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr node = root;
    while (node) {
        if (node->type == XML_ELEMENT_NODE && node != owner)
            for (xmlAttrPtr a = node->properties; a; a = a->next)
                if (carriesId(a, id)) return true;
        if (node->type == XML_ELEMENT_NODE && node->children) {
            node = node->children;
            continue;
        }
        while (node && node != root && !node->next) node = node->parent;
        node = node && node != root ? node->next : nullptr;
    }
    return false;
}

// The ID of one element registered in the document's ID table for one xmlsec operation (xmlsec
// resolves "#ID" through it) and removed afterwards, so that no other element is ever found by
// that name.
class IdRegistration {
  public:
    IdRegistration(xmlDocPtr doc, xmlAttrPtr attribute, const std::string& id)
        : doc_(doc), attribute_(attribute) {
        if (!xmlGetID(doc, xmlString(id.c_str())))
            added_ = xmlAddID(nullptr, doc, xmlString(id.c_str()), attribute) != nullptr;
        registered_ = xmlGetID(doc, xmlString(id.c_str())) == attribute;
    }
    ~IdRegistration() {
        if (added_) xmlRemoveID(doc_, attribute_);
    }
    IdRegistration(const IdRegistration&) = delete;
    IdRegistration& operator=(const IdRegistration&) = delete;
    bool registered() const { return registered_; }

  private:
    xmlDocPtr doc_;
    xmlAttrPtr attribute_;
    bool added_ = false;
    bool registered_ = false;
};

// xmlsec's signature context, finalized (with the key it holds) however the operation ends.
class SignatureContext {
  public:
    explicit SignatureContext(EVP_PKEY* key) {
        if (xmlSecDSigCtxInitialize(&context_, nullptr) < 0) throw std::bad_alloc();
        context_.signKey = xmlsecKeyOf(key);
    }
    ~SignatureContext() { xmlSecDSigCtxFinalize(&context_); }
    SignatureContext(const SignatureContext&) = delete;
    SignatureContext& operator=(const SignatureContext&) = delete;
    xmlSecDSigCtx* get() { return &context_; }

    // Second line behind the shape check of verifyEnveloped: xmlsec itself refuses any other
    // transform, algorithm or URI, and manifests are never followed.
    void restrictToSaml() {
        context_.flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
        context_.enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
        for (xmlSecTransformId id : {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id,
                                     xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id})
            if (xmlSecDSigCtxEnableSignatureTransform(&context_, id) < 0) throw std::bad_alloc();
        for (xmlSecTransformId id :
             {xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId, xmlSecTransformSha256Id,
              xmlSecTransformSha384Id, xmlSecTransformSha512Id})
            if (xmlSecDSigCtxEnableReferenceTransform(&context_, id) < 0) throw std::bad_alloc();
    }

  private:
    xmlSecDSigCtx context_{};
};

std::vector<XmlElement> directSignatures(XmlElement element) {
    std::vector<XmlElement> out;
    for (const auto& child : element.children())
        if (child.is(dsNs, "Signature")) out.push_back(child);
    return out;
}

// Where SAML puts the signature: right after <saml:Issuer>, else first.
void insertSignature(xmlNodePtr target, xmlNodePtr signature) {
    auto children = elements(target);
    if (!children.empty() && children.front().is(samlNs, "Issuer"))
        xmlAddNextSibling(children.front().native(), signature);
    else if (!children.empty())
        xmlAddPrevSibling(children.front().native(), signature);
    else
        xmlAddChild(target, signature);
}

bool isAlgorithm(const XmlElement& element, std::string_view ns, std::string_view local,
                 std::string_view algorithm) {
    return element.is(ns, local) && element.attribute("Algorithm") == algorithm;
}

bool allowedTransform(const XmlElement& transform) {
    auto algorithm = transform.attribute("Algorithm");
    if (!transform.is(dsNs, "Transform") || !algorithm) return false;
    auto parameters = transform.children();
    if (*algorithm == envelopedSignature) return parameters.empty();
    // exclusive c14n may name prefixes to keep (InclusiveNamespaces PrefixList): harmless.
    return *algorithm == excC14n &&
           (parameters.empty() ||
            (parameters.size() == 1 && parameters.front().is(excC14n, "InclusiveNamespaces")));
}

bool allowedReference(const XmlElement& reference, std::string_view id) {
    auto uri = reference.attribute("URI");
    if (!reference.is(dsNs, "Reference") || !uri || !uri->starts_with('#') ||
        std::string_view(*uri).substr(1) != id)
        return false;
    auto parts = reference.children();
    std::size_t at = 0;
    if (at < parts.size() && parts[at].is(dsNs, "Transforms")) {
        auto transforms = parts[at++].children();
        if (transforms.empty() || transforms.size() > 2) return false;
        for (const auto& transform : transforms)
            if (!allowedTransform(transform)) return false;
        if (transforms.size() == 2 &&
            transforms[0].attribute("Algorithm") == transforms[1].attribute("Algorithm"))
            return false;
    }
    if (at >= parts.size() || !parts[at].is(dsNs, "DigestMethod")) return false;
    auto digest = parts[at++].attribute("Algorithm").value_or("");
    bool knownDigest = false;
    for (auto allowed : allowedDigests) knownDigest = knownDigest || digest == allowed;
    return knownDigest && at + 1 == parts.size() && parts[at].is(dsNs, "DigestValue");
}

// The signature's shape, before any cryptography: SignedInfo (exc-c14n, an allowed
// SignatureMethod, one Reference to "#id"), SignatureValue, an optional KeyInfo, nothing else.
Result<SignatureAlgorithm> checkShape(const XmlElement& signature, std::string_view id) {
    auto parts = signature.children();
    bool framed = (parts.size() == 2 || parts.size() == 3) && parts[0].is(dsNs, "SignedInfo") &&
                  parts[1].is(dsNs, "SignatureValue") &&
                  (parts.size() == 2 || parts[2].is(dsNs, "KeyInfo"));
    if (!framed) return Errc::signature_refused;
    auto signedInfo = parts[0].children();
    if (signedInfo.size() != 3 ||
        !isAlgorithm(signedInfo[0], dsNs, "CanonicalizationMethod", excC14n) ||
        !signedInfo[0].children().empty() ||  // no InclusiveNamespaces games on SignedInfo
        !signedInfo[1].is(dsNs, "SignatureMethod") || !signedInfo[1].children().empty() ||
        !allowedReference(signedInfo[2], id))
        return Errc::signature_refused;
    auto algorithm = signatureAlgorithmFromUri(signedInfo[1].attribute("Algorithm").value_or(""));
    if (!algorithm) return Errc::signature_refused;
    return *algorithm;
}

struct OwnId {
    xmlAttrPtr attribute;
    std::string value;
};

// The ID of an element of `document`, usable in a Reference (and xmlsec started).
Result<OwnId> ownId(const XmlDocument& document, XmlElement element) {
    initXmlsec();
    if (element.native()->doc != document.native()) return Errc::not_found;
    xmlAttrPtr attribute = idAttribute(element);
    if (!attribute) return Errc::missing_id;
    return OwnId{attribute, *element.attribute("ID")};
}

bool verifiesWith(xmlNodePtr signature, EVP_PKEY* key) {
    if (!key) return false;
    SignatureContext context(key);
    context.restrictToSaml();
    auto* ctx = context.get();
    return xmlSecDSigCtxVerify(ctx, signature) == 0 && ctx->status == xmlSecDSigStatusSucceeded &&
           xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1;
}

// "prefix:name" of an element, as written.
std::string qualifiedName(xmlNodePtr node) {
    std::string name;
    if (node->ns && node->ns->prefix) name.append(asView(node->ns->prefix)).push_back(':');
    return name.append(asView(node->name));
}

bool holdsTextOnly(xmlNodePtr node) {
    for (xmlNodePtr child = node->children; child; child = child->next)
        if (child->type != XML_TEXT_NODE) return false;
    return true;
}

// Where, in `text` (the document as toString writes it), signEnveloped put `signature` under
// `target`: right after the target's start tag, or right after its saml:Issuer when the Issuer
// is its first child and holds only text. npos when the text does not show it so. In such text
// '<' and '>' are escaped in every value, and an ID attribute appears once.
std::size_t signatureOffset(std::string_view text, xmlNodePtr target, xmlNodePtr signature,
                            const std::string& id) {
    constexpr auto npos = std::string_view::npos;
    const std::string idAttribute = " ID=\"" + id + "\"";
    const auto at = text.find(idAttribute);
    if (at == npos || text.find(idAttribute, at + 1) != npos) return npos;
    const std::string start = "<" + qualifiedName(target) + " ";
    const auto opening = text.rfind('<', at);
    const auto end = text.find('>', at);
    if (opening == npos || text.substr(opening, start.size()) != start || end == npos ||
        text[end - 1] == '/')
        return npos;
    const std::size_t inside = end + 1;
    if (!signature->prev) return target->children == signature ? inside : npos;
    xmlNodePtr issuer = signature->prev;
    if (issuer->type != XML_ELEMENT_NODE || issuer->prev || !holdsTextOnly(issuer)) return npos;
    const std::string name = qualifiedName(issuer);
    const auto afterName = inside + 1 + name.size();
    if (text.substr(inside, afterName - inside) != "<" + name || afterName >= text.size() ||
        (text[afterName] != '>' && text[afterName] != ' ' && text[afterName] != '/'))
        return npos;
    const auto tagEnd = text.find('>', afterName);
    if (tagEnd == npos) return npos;
    if (text[tagEnd - 1] == '/') return tagEnd + 1;
    const std::string closing = "</" + name + ">";
    const auto closed = text.find('<', tagEnd);
    if (closed == npos || text.substr(closed, closing.size()) != closing) return npos;
    return closed + closing.size();
}

}  // namespace

Result<std::string> signEnvelopedText(XmlDocument& document, std::string_view text,
                                      XmlElement target, const SigningKey& key,
                                      SignatureAlgorithm algorithm) {
    auto signedTarget = signEnveloped(document, target, key, algorithm);
    if (!signedTarget) return signedTarget.error();
    auto signatures = directSignatures(target);
    auto id = target.attribute("ID");
    const auto at = signatures.size() == 1 && id
                        ? signatureOffset(text, target.native(), signatures.front().native(), *id)
                        : std::string_view::npos;
    if (at == std::string_view::npos) return document.toString();
    const std::string signature = document.toString(signatures.front());
    std::string out;
    out.reserve(text.size() + signature.size() + 1);
    out.append(text.substr(0, at)).append(signature).append(text.substr(at));
    if (!out.ends_with('\n')) out.push_back('\n');  // toString ends the document with one
    return out;
}

Result<void> signEnveloped(XmlDocument& document, XmlElement target, const SigningKey& key,
                           SignatureAlgorithm algorithm) {
    auto own = ownId(document, target);
    if (!own) return own.error();
    xmlDocPtr doc = document.native();
    xmlNodePtr node = target.native();
    const std::string& id = own->value;
    if (idElsewhere(doc, node, id)) return Errc::duplicate_id;
    if (!directSignatures(target).empty()) return Errc::signature_refused;

    xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(
        doc, xmlSecTransformExclC14NId, transformOf(algorithm), nullptr, xmlString("ds"));
    if (!signature) throw std::bad_alloc();
    insertSignature(node, signature);
    const std::string uri = "#" + id;
    xmlNodePtr reference = xmlSecTmplSignatureAddReference(
        signature, xmlSecTransformSha256Id, nullptr, xmlString(uri.c_str()), nullptr);
    xmlNodePtr keyInfo = xmlSecTmplSignatureEnsureKeyInfo(signature, nullptr);
    xmlNodePtr x509Data = keyInfo ? xmlSecTmplKeyInfoAddX509Data(keyInfo) : nullptr;
    xmlNodePtr certificate = x509Data ? xmlSecTmplX509DataAddCertificate(x509Data) : nullptr;
    if (!reference || !xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId) || !certificate)
        throw std::bad_alloc();
    // KeyInfo is outside SignedInfo: written here, it tells the receiver which of its trusted
    // certificates to expect (and lets xmlsec1 --verify find the key), nothing more.
    xmlNodeSetContent(certificate, xmlString(key.certificateBase64Der().c_str()));

    IdRegistration registration(doc, own->attribute, id);
    SignatureContext context(key.privateKey());
    if (!registration.registered() || xmlSecDSigCtxSign(context.get(), signature) < 0) {
        xmlUnlinkNode(signature);
        xmlFreeNode(signature);
        return Errc::signing_failed;
    }
    return {};
}

Result<VerifiedElement> verifyEnveloped(const XmlDocument& document, XmlElement expected,
                                        const std::vector<Certificate>& trusted) {
    auto own = ownId(document, expected);
    if (!own) return own.error();
    xmlDocPtr doc = document.native();
    xmlNodePtr node = expected.native();
    const std::string& id = own->value;
    auto signatures = directSignatures(expected);
    if (signatures.empty()) return Errc::signature_missing;
    if (signatures.size() > 1) return Errc::signature_refused;
    auto algorithm = checkShape(signatures.front(), id);
    if (!algorithm) return algorithm.error();
    if (idElsewhere(doc, node, id)) return Errc::duplicate_id;

    IdRegistration registration(doc, own->attribute, id);
    if (!registration.registered()) return Errc::duplicate_id;
    for (std::size_t i = 0; i < trusted.size(); ++i)
        if (verifiesWith(signatures.front().native(), trusted[i].publicKey()))
            return VerifiedElement{expected, i, *algorithm};
    return Errc::signature_invalid;
}

}  // namespace sesame::xml
