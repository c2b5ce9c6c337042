#include "connectors/ldap/ldap_filter.hpp"

namespace sesame::ldap {

std::string escapeFilterValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '*':
                out += "\\2a";
                break;
            case '(':
                out += "\\28";
                break;
            case ')':
                out += "\\29";
                break;
            case '\\':
                out += "\\5c";
                break;
            case '\0':
                out += "\\00";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string userFilter(std::string_view pattern, std::string_view login) {
    static constexpr std::string_view placeholder = "{login}";
    std::string escaped = escapeFilterValue(login);
    std::string out;
    std::size_t pos = 0;
    while (true) {
        auto at = pattern.find(placeholder, pos);
        if (at == std::string_view::npos) break;
        out.append(pattern.substr(pos, at - pos));
        out += escaped;
        pos = at + placeholder.size();
    }
    out.append(pattern.substr(pos));
    return out;
}

std::string checkUserFilter(std::string_view pattern) {
    if (pattern.find("{login}") == std::string_view::npos)
        return "must contain {login}, e.g. \"(uid={login})\"";
    if (pattern.empty() || pattern.front() != '(' || pattern.back() != ')')
        return "must be an LDAP filter in parentheses, e.g. \"(uid={login})\"";
    int depth = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            ++i;
            continue;
        }
        if (pattern[i] == '(') ++depth;
        if (pattern[i] == ')' && --depth < 0) break;
        if (depth == 0 && i + 1 < pattern.size())
            return "must be one filter: wrap several in (&...) or (|...)";
    }
    if (depth != 0) return "has unbalanced parentheses";
    return {};
}

}  // namespace sesame::ldap
