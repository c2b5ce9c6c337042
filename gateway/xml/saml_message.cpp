#include "gateway/xml/saml_message.hpp"

#include "gateway/core/random.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::xml::saml {

std::string newMessageId() {
    // base64url's alphabet is NCName's ([A-Za-z0-9_-]) and the leading '_' makes the first
    // character a name start whatever the random part begins with.
    std::string id = "_";
    id += core::randomToken(20);
    return id;
}

bool Status::success() const {
    return code == status::success;
}

}  // namespace sesame::xml::saml
