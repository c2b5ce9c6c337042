#include "gateway/xml/saml_error.hpp"

#include <string>

#include "gateway/xml/saml_names.hpp"
#include "gateway/xml/xml_error.hpp"

namespace sesame::xml::saml {
namespace {

class SamlCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.saml"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::unexpected_root:
                return "not the SAML message expected here";
            case Errc::version_too_low:
                return "SAML version below 2.0";
            case Errc::version_too_high:
                return "SAML version above 2.0";
            case Errc::missing_attribute:
                return "a required SAML attribute is missing";
            case Errc::invalid_id:
                return "the message ID is not a valid xs:ID";
            case Errc::invalid_date_time:
                return "a time is not a UTC xs:dateTime";
            case Errc::invalid_boolean:
                return "a flag is not an xs:boolean";
            case Errc::invalid_index:
                return "an index is not an xs:unsignedShort";
            case Errc::invalid_comparison:
                return "unknown RequestedAuthnContext Comparison";
            case Errc::missing_element:
                return "a required SAML element is missing";
            case Errc::duplicate_element:
                return "a SAML element appears more than once";
            case Errc::misplaced_element:
                return "SAML elements out of schema order";
            case Errc::unexpected_element:
                return "an element the SAML schema does not allow here";
            case Errc::empty_value:
                return "a SAML value is empty";
            case Errc::invalid_issuer:
                return "the Issuer is not an entity identifier";
            case Errc::conflicting_acs:
                return "AssertionConsumerServiceIndex given with a URL or binding";
            case Errc::unsupported_identifier:
                return "unsupported subject identifier (BaseID)";
            case Errc::encrypted_identifier:
                return "encrypted content must be decrypted before reading";
            case Errc::unsupported_authn_context:
                return "only AuthnContextClassRef is supported";
            case Errc::invalid_status:
                return "invalid top-level SAML status code";
            case Errc::soap_fault:
                return "SOAP fault instead of a SAML message";
            case Errc::invalid_soap:
                return "not a SOAP envelope carrying one SAML message";
        }
        return "unknown sesame.saml error";
    }
};

StatusCodes requester(std::string_view subCode = {}) {
    return {status::requester, subCode};
}

}  // namespace

const boost::system::error_category& samlCategory() noexcept {
    static const SamlCategory category;
    return category;
}

StatusCodes statusFor(const boost::system::error_code& error) {
    if (error.category() == xmlCategory()) return requester();
    if (error.category() != samlCategory()) return {status::responder, {}};
    switch (static_cast<Errc>(error.value())) {
        case Errc::version_too_low:
            return {status::versionMismatch, status::requestVersionTooLow};
        case Errc::version_too_high:
            return {status::versionMismatch, status::requestVersionTooHigh};
        case Errc::unexpected_root:
        case Errc::unsupported_identifier:
        case Errc::encrypted_identifier:
            return requester(status::requestUnsupported);
        case Errc::unsupported_authn_context:
            return requester(status::noAuthnContext);
        case Errc::ok:
        case Errc::soap_fault:
            return {status::responder, {}};
        default:
            return requester();
    }
}

}  // namespace sesame::xml::saml
