#pragma once
// The names and URIs of SAML 2.0, in one place: namespaces, bindings, NameID formats, status
// codes, authentication context classes and attribute name formats, as the OASIS
// specifications spell them (saml-core-2.0-os §8, saml-bindings-2.0-os §3,
// saml-authn-context-2.0-os §3.4).
#include <string_view>

namespace sesame::xml::saml {

namespace ns {
inline constexpr std::string_view protocol = "urn:oasis:names:tc:SAML:2.0:protocol";    // samlp
inline constexpr std::string_view assertion = "urn:oasis:names:tc:SAML:2.0:assertion";  // saml
inline constexpr std::string_view metadata = "urn:oasis:names:tc:SAML:2.0:metadata";    // md
inline constexpr std::string_view dsig = "http://www.w3.org/2000/09/xmldsig#";          // ds
inline constexpr std::string_view xenc = "http://www.w3.org/2001/04/xmlenc#";           // xenc
inline constexpr std::string_view soapEnvelope = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr std::string_view xs = "http://www.w3.org/2001/XMLSchema";
inline constexpr std::string_view xsi = "http://www.w3.org/2001/XMLSchema-instance";
}  // namespace ns

// The only version this codec speaks (core §3.2.2: Version="2.0").
inline constexpr std::string_view version = "2.0";

namespace binding {
inline constexpr std::string_view httpRedirect =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
inline constexpr std::string_view httpPost = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
inline constexpr std::string_view httpArtifact =
    "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
inline constexpr std::string_view soap = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
// The HTTP-Redirect binding's SAMLEncoding (bindings §3.4.4.1), the default when absent.
inline constexpr std::string_view deflateEncoding =
    "urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE";
}  // namespace binding

// The SOAPAction header a SAML SOAP request carries (bindings §3.2.3.1).
inline constexpr std::string_view soapAction = "http://www.oasis-open.org/committees/security";

namespace nameid {  // core §8.3
inline constexpr std::string_view unspecified =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
inline constexpr std::string_view emailAddress =
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
inline constexpr std::string_view persistent =
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
inline constexpr std::string_view transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
inline constexpr std::string_view entity = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
}  // namespace nameid

namespace status {  // core §3.2.2.2
// Top level.
inline constexpr std::string_view success = "urn:oasis:names:tc:SAML:2.0:status:Success";
inline constexpr std::string_view requester = "urn:oasis:names:tc:SAML:2.0:status:Requester";
inline constexpr std::string_view responder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
inline constexpr std::string_view versionMismatch =
    "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch";
// Second level.
inline constexpr std::string_view authnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
inline constexpr std::string_view invalidAttrNameOrValue =
    "urn:oasis:names:tc:SAML:2.0:status:InvalidAttrNameOrValue";
inline constexpr std::string_view invalidNameIdPolicy =
    "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy";
inline constexpr std::string_view noAuthnContext =
    "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";
inline constexpr std::string_view noAvailableIdp =
    "urn:oasis:names:tc:SAML:2.0:status:NoAvailableIDP";
inline constexpr std::string_view noPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
inline constexpr std::string_view noSupportedIdp =
    "urn:oasis:names:tc:SAML:2.0:status:NoSupportedIDP";
inline constexpr std::string_view partialLogout =
    "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";
inline constexpr std::string_view proxyCountExceeded =
    "urn:oasis:names:tc:SAML:2.0:status:ProxyCountExceeded";
inline constexpr std::string_view requestDenied =
    "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
inline constexpr std::string_view requestUnsupported =
    "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";
inline constexpr std::string_view requestVersionDeprecated =
    "urn:oasis:names:tc:SAML:2.0:status:RequestVersionDeprecated";
inline constexpr std::string_view requestVersionTooHigh =
    "urn:oasis:names:tc:SAML:2.0:status:RequestVersionTooHigh";
inline constexpr std::string_view requestVersionTooLow =
    "urn:oasis:names:tc:SAML:2.0:status:RequestVersionTooLow";
inline constexpr std::string_view resourceNotRecognized =
    "urn:oasis:names:tc:SAML:2.0:status:ResourceNotRecognized";
inline constexpr std::string_view unknownPrincipal =
    "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal";
inline constexpr std::string_view unsupportedBinding =
    "urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding";
}  // namespace status

namespace authncontext {  // saml-authn-context-2.0-os §3.4
inline constexpr std::string_view unspecified =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified";
inline constexpr std::string_view password = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password";
inline constexpr std::string_view passwordProtectedTransport =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
inline constexpr std::string_view previousSession =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession";
inline constexpr std::string_view x509 = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";
inline constexpr std::string_view smartcardPki =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI";
inline constexpr std::string_view timeSyncToken =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken";
inline constexpr std::string_view mobileTwoFactorContract =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract";
}  // namespace authncontext

namespace attrname {  // core §8.2
inline constexpr std::string_view unspecified =
    "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
inline constexpr std::string_view uri = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
inline constexpr std::string_view basic = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
}  // namespace attrname

// Subject confirmation methods (saml-profiles-2.0-os §3).
inline constexpr std::string_view bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

// Logout reasons (core §3.7.3).
namespace reason {
inline constexpr std::string_view user = "urn:oasis:names:tc:SAML:2.0:logout:user";
inline constexpr std::string_view admin = "urn:oasis:names:tc:SAML:2.0:logout:admin";
}  // namespace reason

}  // namespace sesame::xml::saml
