// The login typed on the login form, placed into the LDAP search filter of each configured
// directory (ldap::userFilter, RFC 4515 escaping): the one place where unauthenticated bytes
// become part of a query language. Whatever the login, the filter keeps the shape of its
// pattern: the login adds no parenthesis, wildcard or escape of its own.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string_view>

#include "connectors/ldap/ldap_filter.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view login(reinterpret_cast<const char*>(data), size);
    for (std::string_view pattern :
         {"(uid={login})", "(&(objectClass=person)(|(uid={login})(mail={login})))"}) {
        FUZZ_CHECK(ldap::checkUserFilter(pattern).empty());
        std::string filter = ldap::userFilter(pattern, login);
        auto count = [](std::string_view s, char c) { return std::count(s.begin(), s.end(), c); };
        for (char special : {'(', ')', '*'})
            FUZZ_CHECK(count(filter, special) == count(pattern, special));
        FUZZ_CHECK(filter.find('\0') == std::string::npos);
    }
    std::string escaped = ldap::escapeFilterValue(login);
    // Every backslash starts a two-digit hex escape.
    for (std::size_t i = escaped.find('\\'); i != std::string::npos; i = escaped.find('\\', i + 1))
        FUZZ_CHECK(i + 2 < escaped.size() &&
                   std::isxdigit(static_cast<unsigned char>(escaped[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(escaped[i + 2])));
    return 0;
}
