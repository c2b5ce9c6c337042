#pragma once
// Errors of the libxml2 wrapper, as an enum + category (gateway/core/result.hpp pattern).
#include "gateway/core/result.hpp"

namespace sesame::xml {

enum class Errc {
    ok = 0,
    too_large,          // the document is over the caller's size limit
    forbidden_doctype,  // a DOCTYPE, DTD or entity declaration: always refused
    malformed,          // not well-formed XML (or not UTF-8)
    not_found,          // an expected element is absent
};

const boost::system::error_category& xmlCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), xmlCategory()};
}

}  // namespace sesame::xml

template <>
struct boost::system::is_error_code_enum<sesame::xml::Errc> : std::true_type {};
