#include "protocols/cas/cas_error.hpp"

#include <string>

namespace sesame::cas {
namespace {
class CasCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.cas"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::invalid_request:
                return "not all required parameters were given";
            case Errc::invalid_ticket_spec:
                return "the ticket does not meet the validation spec";
            case Errc::unauthorized_service_proxy:
                return "the service may not proxy";
            case Errc::invalid_proxy_callback:
                return "the proxy callback is invalid";
            case Errc::invalid_ticket:
                return "the ticket is not valid";
            case Errc::invalid_service:
                return "the ticket was issued for another service";
            case Errc::internal_error:
                return "internal error";
            case Errc::unauthorized_service:
                return "the target service is not authorized";
            case Errc::bad_pgt:
                return "the proxy-granting ticket is not valid";
            case Errc::no_service:
                return "login without a service: nothing to redirect to";
        }
        return "unknown sesame.cas error";
    }
};
}  // namespace

const boost::system::error_category& casCategory() noexcept {
    static const CasCategory category;
    return category;
}

std::string_view wireCode(Errc e) {
    switch (e) {
        case Errc::invalid_request:
            return "INVALID_REQUEST";
        case Errc::invalid_ticket_spec:
            return "INVALID_TICKET_SPEC";
        case Errc::unauthorized_service_proxy:
            return "UNAUTHORIZED_SERVICE_PROXY";
        case Errc::invalid_proxy_callback:
            return "INVALID_PROXY_CALLBACK";
        case Errc::invalid_ticket:
            return "INVALID_TICKET";
        case Errc::invalid_service:
            return "INVALID_SERVICE";
        case Errc::unauthorized_service:
            return "UNAUTHORIZED_SERVICE";
        case Errc::bad_pgt:
            return "BAD_PGT";
        case Errc::ok:
        case Errc::internal_error:
        case Errc::no_service:
            break;
    }
    return "INTERNAL_ERROR";
}

}  // namespace sesame::cas
