#include "gateway/xml/redirect_binding.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <new>

#include "gateway/core/text.hpp"
#include "gateway/xml/base64.hpp"
#include "gateway/xml/saml_names.hpp"

namespace sesame::xml {
namespace {

using saml::binding::deflateEncoding;
constexpr int rawDeflateWindow = -MAX_WBITS;  // negative: no zlib header (RFC 1951 only)

struct Inflater {
    z_stream stream{};
    Inflater() {
        if (inflateInit2(&stream, rawDeflateWindow) != Z_OK) throw std::bad_alloc();
    }
    ~Inflater() { inflateEnd(&stream); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
};

// The parameters of a Redirect-binding query that Sesame reads, each at most once, with their
// values as they arrived (still percent-encoded).
struct RawParameters {
    std::optional<std::string_view> request, response, relayState, sigAlg, signature, encoding;

    std::optional<std::string_view>* slot(std::string_view key) {
        if (key == "SAMLRequest") return &request;
        if (key == "SAMLResponse") return &response;
        if (key == "RelayState") return &relayState;
        if (key == "SigAlg") return &sigAlg;
        if (key == "Signature") return &signature;
        if (key == "SAMLEncoding") return &encoding;
        return nullptr;
    }
};

// Split by hand rather than with Boost.URL: in 1.81, the last value of parse_query's view runs
// past the end of a query that is not the end of its buffer (found by the fuzz corpus replay).
// Keys are compared as they arrived: an encoded name ("SAML%52equest") is an unknown parameter.
Result<RawParameters> splitQuery(std::string_view rawQuery) {
    RawParameters raw;
    while (!rawQuery.empty()) {
        auto end = rawQuery.find('&');
        auto pair = rawQuery.substr(0, end);
        rawQuery = end == std::string_view::npos ? std::string_view{} : rawQuery.substr(end + 1);
        auto equals = pair.find('=');
        auto* slot = raw.slot(pair.substr(0, equals));
        if (!slot) continue;
        if (slot->has_value()) return Errc::bad_query;  // repeated: which one was signed?
        *slot = equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
    }
    if (raw.request.has_value() == raw.response.has_value()) return Errc::bad_query;
    if (raw.sigAlg.has_value() != raw.signature.has_value()) return Errc::bad_query;
    return raw;
}

// A query value, percent-decoded with '+' as a space (HTML forms and most SAML stacks).
Result<std::string> decodeValue(std::string_view raw) {
    auto decoded = core::urlDecode(raw, true);
    if (!decoded) return Errc::bad_query;
    return std::move(*decoded);
}

}  // namespace

std::string_view parameterName(SamlMessageKind kind) {
    return kind == SamlMessageKind::request ? "SAMLRequest" : "SAMLResponse";
}

std::string deflateRaw(std::string_view data) {
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, rawDeflateWindow, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::bad_alloc();
    std::unique_ptr<z_stream, decltype(&deflateEnd)> end(&stream, deflateEnd);
    std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw std::bad_alloc();  // deflateBound fits
    out.resize(stream.total_out);
    return out;
}

Result<std::string> inflateRaw(std::string_view compressed, std::size_t maxOutput) {
    if (compressed.size() > std::numeric_limits<uInt>::max() ||
        maxOutput >= std::numeric_limits<uInt>::max())
        return Errc::too_large;
    Inflater inflater;
    z_stream& stream = inflater.stream;
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    // One byte over the bound tells "more than maxOutput" from "exactly maxOutput"; the buffer
    // grows by doubling from a guess and never past that.
    const std::size_t limit = maxOutput + 1;
    std::string out(std::min(limit, std::max<std::size_t>(4096, compressed.size() * 4)), '\0');
    std::size_t produced = 0;
    for (;;) {
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        stream.avail_out = static_cast<uInt>(out.size() - produced);
        int status = inflate(&stream, Z_NO_FLUSH);
        produced = out.size() - stream.avail_out;
        if (produced > maxOutput) return Errc::too_large;
        if (status == Z_STREAM_END) {
            if (stream.avail_in != 0) return Errc::bad_deflate;  // bytes after the stream
            out.resize(produced);
            return out;
        }
        if (status != Z_OK && status != Z_BUF_ERROR) return Errc::bad_deflate;
        if (stream.avail_out != 0) return Errc::bad_deflate;  // input used up: truncated
        out.resize(std::min(limit, out.size() * 2));
    }
}

std::string encodeRedirect(SamlMessageKind kind, std::string_view xml,
                           std::optional<std::string_view> relayState) {
    std::string query(parameterName(kind));
    query += '=';
    query += core::urlEncode(base64Encode(deflateRaw(xml)));
    if (relayState) {
        query += "&RelayState=";
        query += core::urlEncode(*relayState);
    }
    return query;
}

Result<std::string> encodeSignedRedirect(SamlMessageKind kind, std::string_view xml,
                                         std::optional<std::string_view> relayState,
                                         const SigningKey& key, SignatureAlgorithm algorithm) {
    // §3.4.4.1: the signature covers "SAMLRequest=value&RelayState=value&SigAlg=value", exactly
    // the octets of the query that is sent.
    std::string query = encodeRedirect(kind, xml, relayState);
    query += "&SigAlg=";
    query += core::urlEncode(signatureAlgorithmUri(algorithm));
    auto signature = key.sign(algorithm, query);
    if (!signature) return signature.error();
    query += "&Signature=";
    query += core::urlEncode(base64Encode(*signature));
    return query;
}

Result<ReceivedRedirect> decodeRedirect(std::string_view rawQuery, std::size_t maxXmlBytes) {
    auto raw = splitQuery(rawQuery);
    if (!raw) return raw.error();
    if (raw->encoding) {
        auto encoding = decodeValue(*raw->encoding);
        if (!encoding || *encoding != deflateEncoding) return Errc::bad_query;
    }
    const SamlMessageKind kind =
        raw->request ? SamlMessageKind::request : SamlMessageKind::response;
    const std::string_view message = raw->request ? *raw->request : *raw->response;

    auto encoded = decodeValue(message);
    if (!encoded) return encoded.error();
    auto compressed = base64Decode(*encoded);
    if (!compressed) return compressed.error();
    auto xml = inflateRaw(*compressed, maxXmlBytes);
    if (!xml) return xml.error();
    auto document = XmlDocument::parse(*xml, maxXmlBytes);
    if (!document) return document.error();

    ReceivedRedirect received{kind, std::move(*document), std::nullopt, {}, {}, {}};
    if (raw->relayState) {
        auto relayState = decodeValue(*raw->relayState);
        if (!relayState) return relayState.error();
        received.relayState = std::move(*relayState);
    }
    if (raw->sigAlg) {
        // §3.4.4.1: in this order, whatever the order of the query, with the values as they
        // arrived; RelayState only when it was sent.
        received.signedOctets = std::string(parameterName(kind)) + "=" + std::string(message);
        if (raw->relayState)
            received.signedOctets += "&RelayState=" + std::string(*raw->relayState);
        received.signedOctets += "&SigAlg=" + std::string(*raw->sigAlg);
        auto sigAlg = decodeValue(*raw->sigAlg);
        auto signatureBase64 = decodeValue(*raw->signature);
        if (!sigAlg || !signatureBase64) return Errc::bad_query;
        received.sigAlg = std::move(*sigAlg);
        auto signature = base64Decode(*signatureBase64);
        if (!signature) return signature.error();
        received.signature = std::move(*signature);
    }
    return received;
}

Result<std::size_t> verifyRedirect(const ReceivedRedirect& message,
                                   const std::vector<Certificate>& trusted) {
    if (!message.isSigned()) return Errc::signature_missing;
    auto algorithm = signatureAlgorithmFromUri(message.sigAlg);
    if (!algorithm) return Errc::signature_refused;
    for (std::size_t i = 0; i < trusted.size(); ++i)
        if (trusted[i].verify(*algorithm, message.signedOctets, message.signature)) return i;
    return Errc::signature_invalid;
}

Result<ReceivedPost> decodePost(const core::Parameters& form, std::size_t maxXmlBytes) {
    bool repeatedRequest = false, repeatedResponse = false, repeatedRelayState = false;
    auto request = core::findParameter(form, "SAMLRequest", &repeatedRequest);
    auto response = core::findParameter(form, "SAMLResponse", &repeatedResponse);
    auto relayState = core::findParameter(form, "RelayState", &repeatedRelayState);
    if (repeatedRequest || repeatedResponse || repeatedRelayState ||
        request.has_value() == response.has_value())
        return Errc::bad_query;
    const std::string& encoded = request ? *request : *response;
    // base64 is 4/3 of the message, plus line breaks: anything far beyond is refused before
    // it is decoded.
    if (encoded.size() / 2 > maxXmlBytes) return Errc::too_large;
    auto xml = base64Decode(encoded);
    if (!xml) return xml.error();
    auto document = XmlDocument::parse(*xml, maxXmlBytes);
    if (!document) return document.error();
    return ReceivedPost{request ? SamlMessageKind::request : SamlMessageKind::response,
                        std::move(*document), std::move(relayState)};
}

}  // namespace sesame::xml
