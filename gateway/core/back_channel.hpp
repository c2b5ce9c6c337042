#pragma once
// Outbound HTTP that protocols need (CAS pgtUrl callback, back-channel single logout), behind an
// interface so that protocol code never sees the transport. gateway/http implements it over
// Beast with TLS certificate verification; unit tests use a recording fake.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "gateway/core/http_message.hpp"
#include "gateway/core/result.hpp"

namespace sesame::core {

struct OutboundRequest {
    std::string method = "GET";
    std::string url;  // absolute http(s) URL
    std::string contentType;
    std::string body;
    std::string soapAction;  // the SOAPAction header of a SOAP request; empty: none
    std::chrono::milliseconds timeout{5000};
    // A longer body is an error (unavailable). 1 MiB suits every message exchanged with one
    // peer; a caller that expects more (a federation's metadata aggregate) says how much.
    std::size_t maxResponseBytes = 1 << 20;
};

struct OutboundResponse {
    int status = 0;
    std::string body;
};

class BackChannel {
  public:
    virtual ~BackChannel() = default;
    // Errors: unavailable (connect/TLS failure, including an unverifiable certificate), timeout.
    virtual boost::asio::awaitable<Result<OutboundResponse>> send(OutboundRequest request) = 0;
};

}  // namespace sesame::core
