#include "gateway/xml/saml_soap.hpp"

#include "gateway/xml/saml_error.hpp"
#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/saml_value.hpp"

namespace sesame::xml::saml {

std::string wrapInSoapEnvelope(std::string_view message) {
    message = trimXmlSpace(message);
    if (message.starts_with("<?xml")) {
        auto end = message.find("?>");
        message = end == std::string_view::npos ? std::string_view{}
                                                : trimXmlSpace(message.substr(end + 2));
    }
    constexpr std::string_view open =
        "<soap11:Envelope xmlns:soap11=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        "<soap11:Body>";
    constexpr std::string_view close = "</soap11:Body></soap11:Envelope>";
    std::string out;
    out.reserve(open.size() + message.size() + close.size());
    out.append(open).append(message).append(close);
    return out;
}

Result<XmlElement> soapMessage(const XmlDocument& envelope) {
    XmlElement root = envelope.root();
    if (!root.is(ns::soapEnvelope, "Envelope")) return Errc::invalid_soap;
    // A SOAP 1.1 envelope: an optional Header, then the Body (SOAP 1.1 §4).
    auto parts = root.children();
    auto body = root.child(ns::soapEnvelope, "Body");
    if (!body || parts.size() > 2 ||
        (parts.size() == 2 && !parts[0].is(ns::soapEnvelope, "Header")))
        return Errc::invalid_soap;
    auto messages = body->children();
    if (messages.size() != 1) return Errc::invalid_soap;
    if (messages[0].is(ns::soapEnvelope, "Fault")) return Errc::soap_fault;
    return messages[0];
}

}  // namespace sesame::xml::saml
