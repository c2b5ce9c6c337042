#pragma once
// Every CAS reply body, rendered in one place and without I/O: the CAS 2.0/3.0 serviceResponse
// in XML (Appendix A) and JSON (§2.5.2 examples), the CAS 1.0 "yes/no" lines (§2.4.2), the
// SAML 1.1 /samlValidate response (§4.2.5) and the single-logout request (Appendix C). Every
// value goes through xml::escape (or the JSON serializer); an attribute whose name is not a
// valid XML name is never written.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/identity.hpp"
#include "protocols/cas/cas_error.hpp"

namespace sesame::cas {

enum class Format { xml, json };

// What a successful validation tells the service.
struct Authentication {
    std::string user;
    core::AttributeSet attributes;
    bool includeAttributes = true;  // <cas:attributes> (always at /p3/)
    std::int64_t authTime = 0;
    bool freshLogin = false;
    bool longTerm = false;  // Sesame has no remember-me (CAS 3.0 §4.1): always false
    std::string authMethod;
    std::string proxyGrantingTicketIou;  // empty: none
    std::vector<std::string> proxies;    // most recent first
};

struct Failure {
    Errc code = Errc::internal_error;
    std::string description;
    int status = 200;  // CAS errors are 200 with the XML; a store outage is 503
};

inline constexpr std::string_view casNamespace = "http://www.yale.edu/tp/cas";

std::string renderSuccess(const Authentication& auth, Format format);
std::string renderFailure(const Failure& failure, Format format);
std::string renderProxySuccess(std::string_view proxyTicket, Format format);
std::string renderProxyFailure(const Failure& failure, Format format);
std::string renderCas1(const Authentication* auth);  // nullptr: "no\n"
std::string_view contentType(Format format);

struct SamlContext {
    std::string responseId;    // "_" + random
    std::string assertionId;   // "_" + random
    std::string inResponseTo;  // the request's RequestID, when it had one
    std::string recipient;     // the TARGET service
    std::string issuer;        // Sesame's public URL
    std::int64_t now = 0;
    std::chrono::seconds validity{30};  // Conditions NotOnOrAfter - NotBefore
};
std::string renderSaml11Success(const Authentication& auth, const SamlContext& context);
// statusCode: "samlp:RequestDenied" (what Apereo answers for a refused ticket) or
// "samlp:Responder" (an internal error).
std::string renderSaml11Failure(std::string_view statusCode, std::string_view message,
                                const SamlContext& context);

// The SAML 2.0 LogoutRequest of CAS 3.0 Appendix C; SessionIndex is the service ticket.
std::string renderLogoutRequest(std::string_view id, std::int64_t issueInstant,
                                std::string_view sessionIndex);

}  // namespace sesame::cas
