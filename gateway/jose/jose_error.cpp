#include "gateway/jose/jose_error.hpp"

#include <string>

namespace sesame::jose {
namespace {

class JoseCategory final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "sesame.jose"; }
    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::ok:
                return "ok";
            case Errc::malformed:
                return "malformed JOSE object";
            case Errc::algorithm_refused:
                return "JOSE algorithm refused";
            case Errc::unknown_key:
                return "no key for this token";
            case Errc::signature_invalid:
                return "JWS signature does not verify";
            case Errc::key_unsupported:
                return "JSON Web Key refused";
            case Errc::key_not_private:
                return "signing needs a private key";
            case Errc::signing_failed:
                return "JWS signing failed";
            case Errc::key_file_exposed:
                return "key file or directory open to group or others";
            case Errc::key_unreadable:
                return "key file missing, unreadable or not a private JWK";
            case Errc::key_write_failed:
                return "key file could not be written";
        }
        return "unknown JOSE error";
    }
};

}  // namespace

const boost::system::error_category& joseCategory() noexcept {
    static const JoseCategory category;
    return category;
}

}  // namespace sesame::jose
