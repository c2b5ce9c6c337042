#include "gateway/core/result.hpp"

namespace sesame::core {
namespace {
class CoreCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.core"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::unavailable:
                return "dependency unavailable";
            case Errc::timeout:
                return "dependency timed out";
            case Errc::not_found:
                return "not found";
            case Errc::invalid_argument:
                return "invalid argument";
            case Errc::invalid_credentials:
                return "invalid credentials";
            case Errc::throttled:
                return "too many attempts";
            case Errc::forbidden:
                return "forbidden";
            case Errc::internal:
                return "internal error";
        }
        return "unknown sesame.core error";
    }
};
}  // namespace

const boost::system::error_category& coreCategory() noexcept {
    static const CoreCategory category;
    return category;
}
}  // namespace sesame::core
