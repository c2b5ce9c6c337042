#include "protocols/cas/cas_response.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <ctime>

#include "gateway/core/text.hpp"
#include "gateway/xml/xml_text.hpp"

namespace sesame::cas {
namespace json = boost::json;
using xml::escape;

namespace {

constexpr std::string_view casOpen =
    "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n";
constexpr std::string_view casClose = "</cas:serviceResponse>\n";

// Bytes xml::escape leaves as they are: printable ASCII but markup characters, and tab, LF, CR.
constexpr auto plainXmlBytes = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[c] = true;
    for (unsigned char c : {'&', '<', '>', '"', '\''}) plain[c] = false;
    for (unsigned char c : {'\t', '\n', '\r'}) plain[c] = true;
    return plain;
}();

bool isPlainXml(std::string_view value) {
    for (char c : value)
        if (!plainXmlBytes[static_cast<unsigned char>(c)]) return false;
    return true;
}

// indent + "<cas:name>" + value (escaped) + "</cas:name>\n". The usual value (a login, a UAI, a
// profile) needs no escape: the element is then copied in place, in one resize, without
// escape's intermediate strings.
void element(std::string& out, std::string_view indent, std::string_view name,
             std::string_view value) {
    std::string escaped;
    if (!isPlainXml(value)) {
        escaped = escape(value);
        value = escaped;
    }
    constexpr std::string_view open = "<cas:", close = "</cas:";
    std::size_t at = out.size();
    out.resize(at + indent.size() + open.size() + name.size() + 1 + value.size() + close.size() +
               name.size() + 2);
    char* p = out.data() + at;
    for (std::string_view part :
         {indent, open, name, std::string_view(">"), value, close, name, std::string_view(">\n")})
        p = std::copy(part.begin(), part.end(), p);
}

const char* boolText(bool b) {
    return b ? "true" : "false";
}

json::value jsonString(std::string_view s) {
    return json::string(xml::validUtf8(s));
}

std::string toText(const json::value& v) {
    return json::serialize(v) + "\n";
}

}  // namespace

std::string_view contentType(Format format) {
    return format == Format::json ? "application/json; charset=utf-8"
                                  : "application/xml; charset=utf-8";
}

std::string renderSuccess(const Authentication& a, Format format) {
    if (format == Format::json) {
        json::object success{{"user", jsonString(a.user)}};
        if (a.includeAttributes) {
            json::object attrs{{"authenticationDate", core::formatUtcInstant(a.authTime)},
                               {"longTermAuthenticationRequestTokenUsed", a.longTerm},
                               {"isFromNewLogin", a.freshLogin}};
            for (const auto& [name, values] : a.attributes.all()) {
                if (values.empty()) continue;
                if (values.size() == 1) {
                    attrs[xml::validUtf8(name)] = jsonString(values.front());
                } else {
                    json::array list;
                    for (const auto& v : values) list.push_back(jsonString(v));
                    attrs[xml::validUtf8(name)] = std::move(list);
                }
            }
            success["attributes"] = std::move(attrs);
        }
        if (!a.proxyGrantingTicketIou.empty())
            success["proxyGrantingTicket"] = a.proxyGrantingTicketIou;
        if (!a.proxies.empty()) {
            json::array proxies;
            for (const auto& p : a.proxies) proxies.push_back(jsonString(p));
            success["proxies"] = std::move(proxies);
        }
        return toText(json::object{
            {"serviceResponse", json::object{{"authenticationSuccess", std::move(success)}}}});
    }
    // Element order is the XSD's (Appendix A): user, attributes, proxyGrantingTicket, proxies.
    std::string out;
    out.reserve(2048);  // a teacher's usual reply is about 1.1 kB: one allocation
    out += casOpen;
    out += " <cas:authenticationSuccess>\n";
    element(out, "  ", "user", a.user);
    if (a.includeAttributes) {
        out += "  <cas:attributes>\n";
        element(out, "   ", "authenticationDate", core::formatUtcInstant(a.authTime));
        element(out, "   ", "longTermAuthenticationRequestTokenUsed", boolText(a.longTerm));
        element(out, "   ", "isFromNewLogin", boolText(a.freshLogin));
        for (const auto& [name, values] : a.attributes.all()) {
            if (!xml::isNcName(name)) continue;  // cannot be an element name: never written
            for (const auto& v : values) element(out, "   ", name, v);
        }
        out += "  </cas:attributes>\n";
    }
    if (!a.proxyGrantingTicketIou.empty())
        element(out, "  ", "proxyGrantingTicket", a.proxyGrantingTicketIou);
    if (!a.proxies.empty()) {
        out += "  <cas:proxies>\n";
        for (const auto& p : a.proxies) element(out, "   ", "proxy", p);
        out += "  </cas:proxies>\n";
    }
    out += " </cas:authenticationSuccess>\n";
    out += casClose;
    return out;
}

namespace {
std::string failureXml(std::string_view element, const Failure& f) {
    std::string out(casOpen);
    out += " <cas:";
    out += element;
    out += " code=\"";
    out += wireCode(f.code);
    out += "\">";
    out += escape(f.description);
    out += "</cas:";
    out += element;
    out += ">\n";
    out += casClose;
    return out;
}

json::value failureJson(const Failure& f) {
    return json::object{{"code", std::string(wireCode(f.code))},
                        {"description", jsonString(f.description)}};
}
}  // namespace

std::string renderFailure(const Failure& f, Format format) {
    if (format == Format::json)
        return toText(json::object{
            {"serviceResponse", json::object{{"authenticationFailure", failureJson(f)}}}});
    return failureXml("authenticationFailure", f);
}

std::string renderProxySuccess(std::string_view pt, Format format) {
    if (format == Format::json)
        return toText(json::object{
            {"serviceResponse",
             json::object{{"proxySuccess", json::object{{"proxyTicket", std::string(pt)}}}}}});
    std::string out(casOpen);
    out += " <cas:proxySuccess>\n";
    element(out, "  ", "proxyTicket", pt);
    out += " </cas:proxySuccess>\n";
    out += casClose;
    return out;
}

std::string renderProxyFailure(const Failure& f, Format format) {
    // The JSON key is the one of the spec's §2.7.2 example ("authenticationFailure").
    if (format == Format::json)
        return toText(json::object{
            {"serviceResponse", json::object{{"authenticationFailure", failureJson(f)}}}});
    return failureXml("proxyFailure", f);
}

std::string renderCas1(const Authentication* a) {
    if (!a) return "no\n";
    // The user on the second line, as Apereo answers and mod_auth_cas (CASVersion 1) reads;
    // a line break inside it would forge a third line, so it is removed.
    std::string user;
    for (char c : a->user)
        if (c != '\n' && c != '\r') user += c;
    return "yes\n" + user + "\n";
}

namespace {
constexpr std::string_view soapOpen =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\">"
    "<SOAP-ENV:Header/><SOAP-ENV:Body>";
constexpr std::string_view soapClose = "</SOAP-ENV:Body></SOAP-ENV:Envelope>\n";

std::string responseOpen(const SamlContext& c) {
    std::string out =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:1.0:protocol\" "
        "xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\" IssueInstant=\"" +
        core::formatUtcInstant(c.now) + "\" MajorVersion=\"1\" MinorVersion=\"1\"";
    if (!c.inResponseTo.empty()) out += " InResponseTo=\"" + escape(c.inResponseTo) + "\"";
    if (!c.recipient.empty()) out += " Recipient=\"" + escape(c.recipient) + "\"";
    out += " ResponseID=\"" + escape(c.responseId) + "\">";
    return out;
}

std::string subject(std::string_view user) {
    // No whitespace around the NameIdentifier: mod_auth_cas takes its inner text as the user.
    return "<saml:Subject><saml:NameIdentifier>" + escape(user) +
           "</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>"
           "urn:oasis:names:tc:SAML:1.0:cm:artifact</saml:ConfirmationMethod>"
           "</saml:SubjectConfirmation></saml:Subject>";
}

void samlAttribute(std::string& out, std::string_view name,
                   const std::vector<std::string>& values) {
    out += "<saml:Attribute AttributeName=\"" + escape(name) +
           "\" AttributeNamespace=\"http://www.ja-sig.org/products/cas/\">";
    for (const auto& v : values)
        out += "<saml:AttributeValue>" + escape(v) + "</saml:AttributeValue>";
    out += "</saml:Attribute>";
}

std::string_view samlAuthenticationMethod(std::string_view method) {
    return method == "password" ? "urn:oasis:names:tc:SAML:1.0:am:password"
                                : "urn:oasis:names:tc:SAML:1.0:am:unspecified";
}
}  // namespace

std::string renderSaml11Success(const Authentication& a, const SamlContext& c) {
    std::string out(soapOpen);
    out += responseOpen(c);
    out += "<samlp:Status><samlp:StatusCode Value=\"samlp:Success\"/></samlp:Status>";
    out += "<saml:Assertion AssertionID=\"" + escape(c.assertionId) + "\" IssueInstant=\"" +
           core::formatUtcInstant(c.now) + "\" Issuer=\"" + escape(c.issuer) +
           "\" MajorVersion=\"1\" MinorVersion=\"1\">";
    out += "<saml:Conditions NotBefore=\"" + core::formatUtcInstant(c.now) + "\" NotOnOrAfter=\"" +
           core::formatUtcInstant(c.now + c.validity.count()) +
           "\"><saml:AudienceRestrictionCondition><saml:Audience>" + escape(c.recipient) +
           "</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>";
    out += "<saml:AttributeStatement>" + subject(a.user);
    if (a.includeAttributes) {
        samlAttribute(out, "authenticationDate", {core::formatUtcInstant(a.authTime)});
        samlAttribute(out, "longTermAuthenticationRequestTokenUsed", {boolText(a.longTerm)});
        samlAttribute(out, "isFromNewLogin", {boolText(a.freshLogin)});
        for (const auto& [name, values] : a.attributes.all())
            if (!values.empty()) samlAttribute(out, name, values);
    }
    out += "</saml:AttributeStatement>";
    out += "<saml:AuthenticationStatement AuthenticationInstant=\"" +
           core::formatUtcInstant(a.authTime) + "\" AuthenticationMethod=\"" +
           std::string(samlAuthenticationMethod(a.authMethod)) + "\">" + subject(a.user) +
           "</saml:AuthenticationStatement>";
    out += "</saml:Assertion></samlp:Response>";
    out += soapClose;
    return out;
}

std::string renderSaml11Failure(std::string_view statusCode, std::string_view message,
                                const SamlContext& c) {
    std::string out(soapOpen);
    out += responseOpen(c);
    out += "<samlp:Status><samlp:StatusCode Value=\"" + escape(statusCode) +
           "\"/><samlp:StatusMessage>" + escape(message) + "</samlp:StatusMessage></samlp:Status>";
    out += "</samlp:Response>";
    out += soapClose;
    return out;
}

std::string renderLogoutRequest(std::string_view id, std::int64_t issueInstant,
                                std::string_view sessionIndex) {
    // The "samlp:" prefix is kept literally: phpCAS finds the SessionIndex with a regular
    // expression on "<samlp:SessionIndex>", and mod_auth_cas takes its inner text as is.
    return "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
           "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
           escape(id) + "\" Version=\"2.0\" IssueInstant=\"" +
           core::formatUtcInstant(issueInstant) +
           "\"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>" + escape(sessionIndex) +
           "</samlp:SessionIndex></samlp:LogoutRequest>";
}

}  // namespace sesame::cas
