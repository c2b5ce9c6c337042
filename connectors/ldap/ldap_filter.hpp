#pragma once
// Building the user search filter. The login is untrusted input placed inside a filter: it is
// escaped per RFC 4515 §3, so "*" or ")(uid=*" match themselves, never everything.
#include <string>
#include <string_view>

namespace sesame::ldap {

// RFC 4515 §3: '*', '(', ')', '\' and NUL become \2a \28 \29 \5c \00. Other UTF-8 stays as is.
std::string escapeFilterValue(std::string_view value);

// `pattern` with every "{login}" replaced by the escaped login: "(uid={login})".
std::string userFilter(std::string_view pattern, std::string_view login);

// A filter that parses: parenthesised, balanced, contains "{login}". Empty string when fine,
// otherwise what is wrong, for the configuration error.
std::string checkUserFilter(std::string_view pattern);

}  // namespace sesame::ldap
