#include "gateway/xml/saml_metadata.hpp"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <unordered_set>
#include <variant>

#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_value.hpp"
#include "gateway/xml/xml_keys.hpp"

namespace sesame::xml {
namespace {

constexpr std::string_view mdNs = saml::ns::metadata;
constexpr std::string_view dsNs = saml::ns::dsig;
constexpr std::string_view saml2Protocol = saml::ns::protocol;
constexpr std::size_t maxEntityIdLength = 1024;  // saml-metadata §2.3.2 (entityID, anyURI ≤ 1024)

// What an EntitiesDescriptor passes down to what it contains (§2.3.1: validUntil and
// cacheDuration of a parent bound its children).
struct Validity {
    std::optional<std::int64_t> validUntil;
    std::optional<std::int64_t> cacheDuration;
};

// An element's attribute by name, whether from a DOM node or from the stream reader.
using XmlAttributes = std::function<std::optional<std::string>(const char*)>;

// The first reason to skip what is being read (an entity, an aggregate). Reading goes on with
// neutral values after it, and all that was read is dropped: one entity is all or nothing.
class Rejection {
  public:
    void note(std::string reason) {
        if (!reason_) reason_ = std::move(reason);
    }
    explicit operator bool() const { return reason_.has_value(); }
    const std::string& reason() const { return *reason_; }

  private:
    std::optional<std::string> reason_;
};

std::optional<std::int64_t> earliest(std::optional<std::int64_t> a, std::optional<std::int64_t> b) {
    if (!a) return b;
    if (!b) return a;
    return std::min(*a, *b);
}

// validUntil and cacheDuration of one element, combined with what encloses it.
Validity narrowed(Rejection& rejected, const Validity& outer, XmlAttributes attributes) {
    Validity out = outer;
    if (auto text = attributes("validUntil")) {
        auto at = saml::parseDateTime(*text, saml::Zone::anyOffset);
        if (!at) rejected.note("validUntil '" + *text + "' is not an xs:dateTime");
        out.validUntil = earliest(out.validUntil, at);
    }
    if (auto text = attributes("cacheDuration")) {
        auto seconds = saml::parseDuration(*text);
        if (!seconds) rejected.note("cacheDuration '" + *text + "' is not an xs:duration");
        out.cacheDuration = earliest(out.cacheDuration, seconds);
    }
    return out;
}

XmlAttributes attributesOf(XmlElement e) {
    return [e](const char* name) { return e.attribute(name); };
}

// An absolute http(s) URL with a host and nothing a browser or a header would split on. HTTP is
// allowed (test SPs), anything else (javascript:, data:, relative) never is.
bool isWebUrl(std::string_view url) {
    std::size_t schemeEnd;
    if (url.size() > 8 && (url.substr(0, 8) == "https://" || url.substr(0, 8) == "HTTPS://"))
        schemeEnd = 8;
    else if (url.size() > 7 && (url.substr(0, 7) == "http://" || url.substr(0, 7) == "HTTP://"))
        schemeEnd = 7;
    else
        return false;
    if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
        return false;
    auto hostEnd = url.find_first_of("/?#", schemeEnd);
    return hostEnd == std::string_view::npos ? url.size() > schemeEnd : hostEnd > schemeEnd;
}

// Reads one SPSSODescriptor's parts; the first problem is noted in `rejected`.
class DescriptorReader {
  public:
    explicit DescriptorReader(Rejection& rejected) : rejected_(rejected) {}

    void read(XmlElement sp, ServiceProvider& out) {
        out.authnRequestsSigned =
            boolean(sp, "AuthnRequestsSigned", "SPSSODescriptor").value_or(false);
        out.wantAssertionsSigned =
            boolean(sp, "WantAssertionsSigned", "SPSSODescriptor").value_or(false);
        std::unordered_set<std::uint16_t> acsIndexes;
        for (auto child : sp.children()) {
            if (child.is(mdNs, "AssertionConsumerService")) {
                auto& acs =
                    out.assertionConsumerServices.emplace_back(assertionConsumerService(child));
                if (!acsIndexes.insert(acs.index).second)
                    rejected_.note("two AssertionConsumerService with index " +
                                   std::to_string(acs.index));
            } else if (child.is(mdNs, "SingleLogoutService")) {
                out.singleLogoutServices.push_back(singleLogoutService(child));
            } else if (child.is(mdNs, "KeyDescriptor")) {
                out.keyDescriptors.push_back(keyDescriptor(child));
            } else if (child.is(mdNs, "NameIDFormat")) {
                out.nameIdFormats.emplace_back(saml::trimXmlSpace(child.text()));
            } else if (child.is(mdNs, "AttributeConsumingService")) {
                out.attributeConsumingServices.push_back(attributeConsumingService(child));
            }
        }
        if (out.assertionConsumerServices.empty()) rejected_.note("no AssertionConsumerService");
    }

  private:
    std::string required(XmlElement e, const char* name, std::string_view what) {
        auto value = e.attribute(name);
        if (!value || saml::trimXmlSpace(*value).empty()) {
            rejected_.note(std::string(what) + " without " + name);
            return {};
        }
        return std::string(saml::trimXmlSpace(*value));
    }

    std::optional<bool> boolean(XmlElement e, const char* name, std::string_view what) {
        auto value = e.attribute(name);
        if (!value) return std::nullopt;
        auto parsed = saml::parseBoolean(*value);
        if (!parsed)
            rejected_.note(std::string(what) + " " + name + " '" + *value + "' is not a boolean");
        return parsed;
    }

    std::string webUrl(XmlElement e, const char* name, std::string_view what) {
        std::string url = required(e, name, what);
        if (!isWebUrl(url))
            rejected_.note(std::string(what) + " " + name + " '" + url + "' is not an http(s) URL");
        return url;
    }

    std::uint16_t index(XmlElement e, std::string_view what) {
        std::string text = required(e, "index", what);
        auto parsed = saml::parseUnsignedShort(text);
        if (!parsed)
            rejected_.note(std::string(what) + " index '" + text + "' is not an unsigned short");
        return parsed.value_or(0);
    }

    IndexedEndpoint assertionConsumerService(XmlElement e) {
        constexpr std::string_view what = "AssertionConsumerService";
        return {.binding = required(e, "Binding", what),
                .location = webUrl(e, "Location", what),
                .index = index(e, what),
                .isDefault = boolean(e, "isDefault", what)};
    }

    MetadataEndpoint singleLogoutService(XmlElement e) {
        constexpr std::string_view what = "SingleLogoutService";
        MetadataEndpoint out{.binding = required(e, "Binding", what),
                             .location = webUrl(e, "Location", what),
                             .responseLocation = {}};
        if (e.attribute("ResponseLocation"))
            out.responseLocation = webUrl(e, "ResponseLocation", what);
        return out;
    }

    KeyDescriptor keyDescriptor(XmlElement e) {
        KeyDescriptor out;
        auto use = e.attribute("use");
        if (use && *use == "signing")
            out.use = KeyUse::signing;
        else if (use && *use == "encryption")
            out.use = KeyUse::encryption;
        else if (use)
            rejected_.note("KeyDescriptor use '" + *use + "' is neither signing nor encryption");
        if (auto keyInfo = e.child(dsNs, "KeyInfo"))
            for (auto data : keyInfo->children()) {
                if (!data.is(dsNs, "X509Data")) continue;
                for (auto cert : data.children())
                    if (cert.is(dsNs, "X509Certificate"))
                        out.certificates.push_back(certificate(cert));
            }
        for (auto method : e.children())
            if (method.is(mdNs, "EncryptionMethod"))
                out.encryptionMethods.push_back(required(method, "Algorithm", "EncryptionMethod"));
        return out;
    }

    std::string certificate(XmlElement cert) {
        std::string base64 = cert.text();
        std::erase_if(base64, saml::isXmlSpace);
        if (!Certificate::fromBase64Der(base64))
            rejected_.note("a KeyDescriptor's X509Certificate is not base64 DER X.509");
        return base64;
    }

    AttributeConsumingService attributeConsumingService(XmlElement e) {
        AttributeConsumingService out;
        out.index = index(e, "AttributeConsumingService");
        out.isDefault = boolean(e, "isDefault", "AttributeConsumingService");
        for (auto child : e.children()) {
            if (child.is(mdNs, "ServiceName"))
                out.serviceNames.emplace_back(saml::trimXmlSpace(child.text()));
            else if (child.is(mdNs, "RequestedAttribute"))
                out.requestedAttributes.push_back(requestedAttribute(child));
        }
        return out;
    }

    RequestedAttribute requestedAttribute(XmlElement e) {
        return {.name = required(e, "Name", "RequestedAttribute"),
                .nameFormat = e.attribute("NameFormat").value_or(""),
                .friendlyName = e.attribute("FriendlyName").value_or(""),
                .isRequired = boolean(e, "isRequired", "RequestedAttribute").value_or(false)};
    }

    Rejection& rejected_;
};

// The first SPSSODescriptor that supports SAML 2.0 (§2.4.1: a space-separated URI list).
std::optional<XmlElement> saml2SpDescriptor(XmlElement entity) {
    for (auto child : entity.children()) {
        if (!child.is(mdNs, "SPSSODescriptor")) continue;
        std::string protocols = child.attribute("protocolSupportEnumeration").value_or("");
        std::string_view rest = protocols;
        while (!rest.empty()) {
            rest = saml::trimXmlSpace(rest);
            auto end = rest.find_first_of(" \t\r\n");
            if (rest.substr(0, end) == saml2Protocol) return child;
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        }
    }
    return std::nullopt;
}

// One entity: an SP, an error, or nothing (not a SAML 2.0 SP).
using EntityOutcome = std::variant<std::monostate, ServiceProvider, MetadataError>;

EntityOutcome readEntity(XmlElement entity, const Validity& outer, const MetadataLimits& limits) {
    auto entityId = entity.attribute("entityID");
    if (!entityId || saml::trimXmlSpace(*entityId).empty())
        return MetadataError{"", "an EntityDescriptor without entityID"};
    std::string id(saml::trimXmlSpace(*entityId));
    if (id.size() > maxEntityIdLength)
        return MetadataError{id.substr(0, 64) + "...", "entityID longer than 1024 characters"};
    auto sp = saml2SpDescriptor(entity);
    if (!sp) return std::monostate{};
    Rejection rejected;
    ServiceProvider out;
    out.entityId = id;
    Validity validity = narrowed(rejected, outer, attributesOf(entity));
    validity = narrowed(rejected, validity, attributesOf(*sp));
    out.validUntil = validity.validUntil;
    out.cacheDurationSeconds = validity.cacheDuration;
    if (limits.now && out.validUntil && *out.validUntil < *limits.now)
        rejected.note("metadata expired (validUntil)");
    DescriptorReader(rejected).read(*sp, out);
    if (rejected) return MetadataError{id, rejected.reason()};
    return out;
}

// Collects entities in document order: duplicates and errors listed, SPs kept.
class EntityCollector {
  public:
    explicit EntityCollector(const MetadataLimits& limits) : limits_(limits) {}

    // false when the entity limit is reached.
    bool add(XmlElement entity, const Validity& validity) {
        if (++entities_ > limits_.maxEntities) {
            reject("", "more than " + std::to_string(limits_.maxEntities) +
                           " EntityDescriptor: the rest is ignored");
            return false;
        }
        auto outcome = readEntity(entity, validity, limits_);
        if (auto* error = std::get_if<MetadataError>(&outcome)) {
            out_.errors.push_back(std::move(*error));
        } else if (auto* sp = std::get_if<ServiceProvider>(&outcome)) {
            if (!seen_.insert(sp->entityId).second)
                out_.errors.push_back({sp->entityId, "duplicate entityID: the first one is kept"});
            else
                out_.serviceProviders.push_back(std::move(*sp));
        }
        return true;
    }
    void reject(std::string entityId, std::string reason) {
        out_.errors.push_back({std::move(entityId), std::move(reason)});
    }
    SpMetadata take() { return std::move(out_); }

  private:
    const MetadataLimits& limits_;
    std::size_t entities_ = 0;
    std::unordered_set<std::string> seen_;
    SpMetadata out_;
};

// At most this many EntitiesDescriptor nested: deeper ones are skipped (libxml2 bounds the
// element depth at 256 anyway).
constexpr std::size_t maxAggregateDepth = 16;

// An EntitiesDescriptor's validity, or its rejection recorded in `collector`.
std::optional<Validity> aggregateValidity(const Validity& outer, XmlAttributes attributes,
                                          EntityCollector& collector) {
    Rejection rejected;
    Validity validity = narrowed(rejected, outer, attributes);
    if (!rejected) return validity;
    collector.reject("", "EntitiesDescriptor skipped: " + rejected.reason());
    return std::nullopt;
}

void walkAggregate(XmlElement aggregate, const Validity& outer, EntityCollector& collector,
                   std::size_t depth) {
    auto validity = aggregateValidity(outer, attributesOf(aggregate), collector);
    if (!validity) return;
    for (auto child : aggregate.children()) {
        if (child.is(mdNs, "EntityDescriptor")) {
            if (!collector.add(child, *validity)) return;
        } else if (child.is(mdNs, "EntitiesDescriptor") && depth + 1 < maxAggregateDepth) {
            walkAggregate(child, *validity, collector, depth + 1);
        }
    }
}

// --- Streaming -------------------------------------------------------------------------------

struct ReaderFree {
    void operator()(xmlTextReaderPtr reader) const { xmlFreeTextReader(reader); }
};

std::string_view readerName(const xmlChar* s) {
    return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

std::optional<std::string> readerAttribute(xmlTextReaderPtr reader, const char* name) {
    xmlChar* value = xmlTextReaderGetAttribute(reader, reinterpret_cast<const xmlChar*>(name));
    if (!value) return std::nullopt;
    std::string out(reinterpret_cast<const char*>(value));
    xmlFree(value);
    return out;
}

bool readerIs(xmlTextReaderPtr reader, std::string_view local) {
    return readerName(xmlTextReaderConstLocalName(reader)) == local &&
           readerName(xmlTextReaderConstNamespaceUri(reader)) == mdNs;
}

// The stream, one EntityDescriptor expanded at a time (xmlTextReaderExpand) and freed when the
// reader moves past it (xmlTextReaderNext); EntitiesDescriptor are followed as a stack of the
// validity they pass down.
class MetadataStream {
  public:
    MetadataStream(std::string_view text, const MetadataLimits& limits)
        : limits_(limits), collector_(limits) {
        // As XmlDocument::parse: no NOENT (entities never substituted), no DTDLOAD/DTDATTR, no
        // HUGE (libxml2's depth and text-size limits stay), NONET.
        reader_.reset(
            xmlReaderForMemory(text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
        if (!reader_) throw std::bad_alloc();
    }

    Result<SpMetadata> read() {
        xmlTextReaderPtr r = reader_.get();
        for (;;) {
            int status = skipSubtree_ ? xmlTextReaderNext(r) : xmlTextReaderRead(r);
            skipSubtree_ = false;
            if (status == 0) break;
            if (status < 0) return Errc::malformed;
            int type = xmlTextReaderNodeType(r);
            if (type == XML_READER_TYPE_DOCUMENT_TYPE) return Errc::forbidden_doctype;
            if (type == XML_READER_TYPE_END_ELEMENT && !aggregates_.empty() &&
                aggregates_.back().depth == xmlTextReaderDepth(r))
                aggregates_.pop_back();
            if (type != XML_READER_TYPE_ELEMENT) continue;
            if (auto fault = element(); fault != Errc::ok) return fault;
            if (full_) break;
        }
        if (!sawRoot_) return Errc::malformed;
        return collector_.take();
    }

  private:
    struct OpenAggregate {
        int depth;
        Validity validity;
    };

    // At an element's start: the root, a member of an aggregate, or something to skip.
    Errc element() {
        xmlTextReaderPtr r = reader_.get();
        int depth = xmlTextReaderDepth(r);
        bool atRoot = !sawRoot_;
        sawRoot_ = true;
        bool inAggregate = !aggregates_.empty() && aggregates_.back().depth == depth - 1;
        Validity outer = aggregates_.empty() ? Validity{} : aggregates_.back().validity;
        skipSubtree_ = true;  // ds:Signature, md:Extensions... and every entity once read
        if (!atRoot && !inAggregate) return Errc::ok;
        if (readerIs(r, "EntitiesDescriptor")) {
            auto attributes = [r](const char* name) { return readerAttribute(r, name); };
            auto validity = aggregateValidity(outer, attributes, collector_);
            if (validity && !xmlTextReaderIsEmptyElement(r) &&
                aggregates_.size() < maxAggregateDepth) {
                aggregates_.push_back({depth, *validity});
                skipSubtree_ = false;
            }
            return Errc::ok;
        }
        if (readerIs(r, "EntityDescriptor")) return readEntity(outer) ? Errc::ok : Errc::malformed;
        return atRoot ? Errc::not_found : Errc::ok;
    }

    // false when the entity is not well-formed (the whole document is then refused).
    bool readEntity(const Validity& outer) {
        xmlTextReaderPtr r = reader_.get();
        long before = xmlTextReaderByteConsumed(r);
        xmlNodePtr node = xmlTextReaderExpand(r);
        if (!node) return false;
        long size = xmlTextReaderByteConsumed(r) - before;
        if (size > static_cast<long>(limits_.maxEntityBytes)) {
            auto id = readerAttribute(r, "entityID");
            collector_.reject(id.value_or(""), "EntityDescriptor larger than " +
                                                   std::to_string(limits_.maxEntityBytes) +
                                                   " bytes");
            return true;
        }
        full_ = !collector_.add(XmlElement(node), outer);
        return true;
    }

    const MetadataLimits& limits_;
    std::unique_ptr<xmlTextReader, ReaderFree> reader_;
    EntityCollector collector_;
    std::vector<OpenAggregate> aggregates_;  // the EntitiesDescriptor open around the reader
    bool sawRoot_ = false;
    bool skipSubtree_ = false;
    bool full_ = false;  // maxEntities reached
};

}  // namespace

const IndexedEndpoint* ServiceProvider::defaultAssertionConsumerService() const {
    const IndexedEndpoint* unmarked = nullptr;
    for (const auto& acs : assertionConsumerServices) {
        if (acs.isDefault == true) return &acs;
        if (!acs.isDefault && !unmarked) unmarked = &acs;
    }
    if (unmarked) return unmarked;
    return assertionConsumerServices.empty() ? nullptr : &assertionConsumerServices.front();
}

const IndexedEndpoint* ServiceProvider::assertionConsumerServiceByIndex(
    std::uint16_t wanted) const {
    for (const auto& acs : assertionConsumerServices)
        if (acs.index == wanted) return &acs;
    return nullptr;
}

const IndexedEndpoint* ServiceProvider::assertionConsumerServiceByLocation(
    std::string_view location) const {
    for (const auto& acs : assertionConsumerServices)
        if (acs.location == location) return &acs;
    return nullptr;
}

std::vector<std::string> ServiceProvider::certificates(KeyUse use) const {
    std::vector<std::string> out;
    for (const auto& key : keyDescriptors)
        if (key.use == use || key.use == KeyUse::both)
            out.insert(out.end(), key.certificates.begin(), key.certificates.end());
    return out;
}

std::vector<std::string> ServiceProvider::encryptionMethods() const {
    std::vector<std::string> out;
    for (const auto& key : keyDescriptors)
        if (key.use != KeyUse::signing)
            out.insert(out.end(), key.encryptionMethods.begin(), key.encryptionMethods.end());
    return out;
}

Result<SpMetadata> readSpMetadata(std::string_view text, const MetadataLimits& limits) {
    if (text.size() > limits.maxBytes || text.size() > static_cast<std::size_t>(INT32_MAX))
        return Errc::too_large;
    if (declaresDocumentType(text)) return Errc::forbidden_doctype;
    xmlInitParser();
    return MetadataStream(text, limits).read();
}

Result<SpMetadata> readSpMetadata(XmlElement root, const MetadataLimits& limits) {
    EntityCollector collector(limits);
    if (root.is(mdNs, "EntityDescriptor")) {
        collector.add(root, {});
    } else if (root.is(mdNs, "EntitiesDescriptor")) {
        walkAggregate(root, {}, collector, 0);
    } else {
        return Errc::not_found;
    }
    return collector.take();
}

}  // namespace sesame::xml
