#include "gateway/http/error.hpp"

#include <string>

namespace sesame::http {
namespace {
class HttpCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.http"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::malformed_target:
                return "malformed request target";
            case Errc::malformed_encoding:
                return "malformed percent-encoding";
            case Errc::malformed_form:
                return "malformed form body";
            case Errc::missing_host:
                return "missing Host header";
            case Errc::malformed_url:
                return "not an absolute http or https URL";
            case Errc::tls_setup:
                return "TLS certificate, key or CA could not be loaded";
            case Errc::bind_failed:
                return "listening address could not be bound";
        }
        return "unknown sesame.http error";
    }
};
}  // namespace

const boost::system::error_category& httpCategory() noexcept {
    static const HttpCategory category;
    return category;
}

}  // namespace sesame::http
