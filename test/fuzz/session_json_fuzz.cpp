// The session as it is read back from Redis at every request that carries a session cookie
// (gateway/session's decodeSession: boost::json::parse, then core::sessionFromJson with the
// identity inside), and the service visits read at logout (core::serviceVisitFromJson). Redis
// is ours, but what it holds must never crash the reader: a value written by another version,
// or truncated by a failover, is refused like a missing one.
// Input: JSON text; an object is read as a session, each element of an array as a visit.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string_view>

#include "gateway/core/session.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec) return 0;
    if (auto session = core::sessionFromJson(value)) {
        // What is accepted is written back the same way (the idle refresh rewrites it).
        auto again = core::sessionFromJson(
            boost::json::parse(boost::json::serialize(core::toJson(*session))));
        FUZZ_CHECK(again.has_value());
        FUZZ_CHECK(boost::json::serialize(core::toJson(*again)) ==
                   boost::json::serialize(core::toJson(*session)));
    }
    if (value.is_array())
        for (const auto& element : value.as_array())
            if (auto visit = core::serviceVisitFromJson(element))
                FUZZ_CHECK(!visit->service.empty());
    core::serviceVisitFromJson(value);
    core::identityFromJson(value);
    return 0;
}
