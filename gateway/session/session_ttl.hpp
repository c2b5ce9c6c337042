#pragma once
// Lifetime arithmetic shared by both stores, so that Redis and memory agree on when a session ends.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "gateway/core/session.hpp"
#include "gateway/session/session_store.hpp"

namespace sesame::session {

// Seconds a session seen at `now` may live: the idle timeout, but never past the absolute
// deadline counted from createdAt. <= 0 means the session has ended.
inline std::int64_t sessionTtl(const core::Session& s, SessionTimeouts t, std::int64_t now) {
    return std::min<std::int64_t>(t.idle.count(), s.createdAt + t.absolute.count() - now);
}

// Whether either timeout has passed at `now` (the stored TTL may come from another setting).
inline bool sessionEnded(const core::Session& s, SessionTimeouts t, std::int64_t now) {
    return now >= s.createdAt + t.absolute.count() || now >= s.lastSeenAt + t.idle.count();
}

// How stale the stored lastSeenAt may grow before a request rewrites the session: 1/120 of the
// idle timeout, at most a minute (2 h idle: once a minute). Every request of a person who opens
// service after service would otherwise rewrite the whole session; the idle timeout then counts
// from at most this much before the last request. Short idle timeouts (tests) refresh always.
inline std::int64_t refreshInterval(SessionTimeouts t) {
    return std::min<std::int64_t>(60, t.idle.count() / 120);
}

inline bool refreshDue(const core::Session& s, SessionTimeouts t, std::int64_t now) {
    return now - s.lastSeenAt >= refreshInterval(t);
}

// A session as stored: a caller that left lastSeenAt unset must not see its new session
// count as idle since 1970.
inline core::Session withLastSeen(core::Session s) {
    s.lastSeenAt = std::max(s.lastSeenAt, s.createdAt);
    return s;
}

// The per-user index is keyed by the login, lower-cased (ASCII: SDET logins are ASCII; other
// bytes are kept as they are), so that "Prof.Herriot" and "prof.herriot" are one user.
inline std::string lowerLogin(std::string login) {
    for (auto& c : login) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return login;
}

inline std::string indexLogin(const core::Session& s) {
    return lowerLogin(s.identity.login.empty() ? s.identity.subject : s.identity.login);
}

}  // namespace sesame::session
