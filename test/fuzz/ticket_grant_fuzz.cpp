// The ticket grant reader: what a service, proxy or proxy-granting ticket vouches for, read
// back from the store at every validation (cas::parseTicketGrant, a boost::json event parser
// over the stored JSON). A grant it accepts serializes and reads back to the same grant.
#include <cstdint>
#include <string_view>

#include "protocols/cas/ticket.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto grant = cas::parseTicketGrant(text);
    if (!grant) return 0;
    FUZZ_CHECK(!grant->service.empty() && !grant->user.empty());
    std::string again = cas::serialize(*grant);
    auto reread = cas::parseTicketGrant(again);
    FUZZ_CHECK(reread.has_value());
    FUZZ_CHECK(cas::serialize(*reread) == again);
    return 0;
}
