#include "protocols/cas/ticket.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "gateway/core/random.hpp"
#include "protocols/cas/cas_error.hpp"

namespace sesame::cas {

std::string newTicketId(std::string_view prefix) {
    return core::ticketId(prefix);
}

namespace json = boost::json;

std::string serialize(const TicketGrant& g) {
    json::object attributes;
    for (const auto& [name, values] : g.attributes.all()) {
        json::array a;
        for (const auto& v : values) a.emplace_back(v);
        attributes[name] = std::move(a);
    }
    json::array proxies;
    for (const auto& p : g.proxies) proxies.emplace_back(p);
    return json::serialize(json::object{
        {"service", g.service},
        {"serviceId", g.serviceId},
        {"sessionId", g.sessionId},
        {"user", g.user},
        {"attributes", attributes},
        {"freshLogin", g.freshLogin},
        {"authTime", g.authTime},
        {"authMethod", g.authMethod},
        {"issuedAt", g.issuedAt},
        {"proxies", proxies},
    });
}

namespace {

// Reads a grant straight from the JSON text, with boost::json's event parser: no document tree
// is built (validating a ticket parses one grant per request, and the tree cost more than the
// rest of the validation). The shape is serialize()'s; members of another type or unknown
// members are skipped, as a reader of the tree would.
class GrantReader {
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

  public:
    static constexpr std::size_t max_array_size = -1;
    static constexpr std::size_t max_object_size = -1;
    static constexpr std::size_t max_string_size = -1;
    static constexpr std::size_t max_key_size = -1;

    explicit GrantReader(TicketGrant& grant) : grant_(grant) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_object_begin(error_code& ec) {
        if (depth_ == 0) topIsObject_ = true;
        return enter(ec);
    }
    bool on_object_end(std::size_t, error_code&) { return leave(); }
    bool on_array_begin(error_code& ec) {
        if (depth_ == 0) return fail(ec);
        return enter(ec);
    }
    bool on_array_end(std::size_t, error_code&) {
        if (depth_ == 3 && member_ == Member::attributes) {
            if (!values_.empty()) grant_.attributes.set(std::move(attribute_), std::move(values_));
            values_.clear();
        }
        return leave();
    }
    bool on_key_part(string_view s, std::size_t, error_code&) { return keep(s); }
    bool on_key(string_view s, std::size_t, error_code&) {
        if (depth_ == 1) member_ = memberNamed(whole(s));
        if (depth_ == 2 && member_ == Member::attributes) attribute_ = whole(s);
        part_.clear();
        return true;
    }
    bool on_string_part(string_view s, std::size_t, error_code&) { return keep(s); }
    bool on_string(string_view s, std::size_t, error_code& ec) {
        if (depth_ == 0) return fail(ec);
        std::string value = whole(s);
        part_.clear();
        if (depth_ == 1) {
            if (auto* field = stringMember()) *field = std::move(value);
        } else if (depth_ == 2 && member_ == Member::proxies) {
            grant_.proxies.push_back(std::move(value));
        } else if (depth_ == 3 && member_ == Member::attributes) {
            values_.push_back(std::move(value));
        }
        return true;
    }
    bool on_number_part(string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, string_view, error_code& ec) {
        if (depth_ == 0) return fail(ec);
        if (depth_ == 1 && member_ == Member::authTime) grant_.authTime = i;
        if (depth_ == 1 && member_ == Member::issuedAt) grant_.issuedAt = i;
        return true;
    }
    bool on_uint64(std::uint64_t, string_view, error_code& ec) { return depth_ > 0 || fail(ec); }
    bool on_double(double, string_view, error_code& ec) { return depth_ > 0 || fail(ec); }
    bool on_bool(bool b, error_code& ec) {
        if (depth_ == 0) return fail(ec);
        if (depth_ == 1 && member_ == Member::freshLogin) grant_.freshLogin = b;
        return true;
    }
    bool on_null(error_code& ec) { return depth_ > 0 || fail(ec); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    bool topIsObject() const { return topIsObject_; }

  private:
    static constexpr int maxDepth = 16;  // a grant is 3 deep: deeper text is not ours

    bool enter(error_code& ec) {
        if (++depth_ > maxDepth) return fail(ec);
        return true;
    }
    bool leave() {
        --depth_;
        return true;
    }
    bool keep(string_view s) {
        part_.append(s.data(), s.size());
        return true;
    }
    std::string whole(string_view s) const {
        if (part_.empty()) return std::string(s.data(), s.size());
        std::string out = part_;
        out.append(s.data(), s.size());
        return out;
    }
    // The top object's members, named once per key rather than compared at every value.
    enum class Member {
        other,
        service,
        serviceId,
        sessionId,
        user,
        authMethod,
        attributes,
        authTime,
        issuedAt,
        freshLogin,
        proxies
    };
    static Member memberNamed(std::string_view key) {
        static constexpr std::pair<std::string_view, Member> names[] = {
            {"service", Member::service},       {"serviceId", Member::serviceId},
            {"sessionId", Member::sessionId},   {"user", Member::user},
            {"authMethod", Member::authMethod}, {"attributes", Member::attributes},
            {"authTime", Member::authTime},     {"issuedAt", Member::issuedAt},
            {"freshLogin", Member::freshLogin}, {"proxies", Member::proxies}};
        for (const auto& [name, member] : names)
            if (key == name) return member;
        return Member::other;
    }
    std::string* stringMember() {
        switch (member_) {
            case Member::service:
                return &grant_.service;
            case Member::serviceId:
                return &grant_.serviceId;
            case Member::sessionId:
                return &grant_.sessionId;
            case Member::user:
                return &grant_.user;
            case Member::authMethod:
                return &grant_.authMethod;
            default:
                return nullptr;
        }
    }
    static bool fail(error_code& ec) {
        ec = boost::json::error::syntax;  // not a grant (a scalar or array at the top)
        return false;
    }

    TicketGrant& grant_;
    int depth_ = 0;
    bool topIsObject_ = false;
    Member member_ = Member::other;  // the current member of the top object
    std::string attribute_;          // the current attribute name inside "attributes"
    std::vector<std::string> values_;
    std::string part_;  // a key or string delivered in pieces
};

}  // namespace

Result<TicketGrant> parseTicketGrant(std::string_view text) {
    TicketGrant g;
    json::basic_parser<GrantReader> parser(json::parse_options{}, g);
    boost::system::error_code ec;
    std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
    // write_some stops at the end of the first document: anything after it but blanks is not
    // ours (json::parse refuses it too).
    bool trailing = text.find_first_not_of(" \t\r\n", used) != std::string_view::npos;
    if (ec || !parser.done() || trailing || !parser.handler().topIsObject())
        return Errc::internal_error;
    if (g.service.empty() || g.user.empty()) return Errc::internal_error;
    return g;
}

}  // namespace sesame::cas
