// The SAML 2.0 messages an SP sends to the IdP before anybody is authenticated: AuthnRequest,
// LogoutRequest and LogoutResponse (HTTP-Redirect and HTTP-POST, after inflating / base64), and
// a LogoutResponse in a SOAP envelope (back-channel logout), through xml::XmlDocument and the
// readers of gateway/xml/saml_reader.cpp. Beyond "no crash": a message the reader accepts,
// written back by the codec's writer, reads back to the same value (nothing read that cannot
// be said again, nothing the writer loses), and every refusal has a SAML status.
#include <cstdint>
#include <string_view>

#include "gateway/xml/saml_error.hpp"
#include "gateway/xml/saml_reader.hpp"
#include "gateway/xml/saml_soap.hpp"
#include "gateway/xml/saml_writer.hpp"
#include "gateway/xml/xml_document.hpp"
#include "test/fuzz/fuzz_check.hpp"

using namespace sesame;
using namespace sesame::xml::saml;

namespace {

// `read` accepted `message`: writing it and reading the text back gives it again.
template <class Message, class Read, class Write>
void roundTrip(const Message& message, Read read, Write write) {
    auto again = xml::XmlDocument::parse(write(message), 1 << 20);
    FUZZ_CHECK(again.has_value());
    auto reread = read(again->root());
    FUZZ_CHECK(reread.has_value());
    FUZZ_CHECK(*reread == message);
}

template <class Read, class Write>
void check(const xml::XmlElement& element, Read read, Write write) {
    auto message = read(element);
    if (message) {
        roundTrip(*message, read, write);
    } else {
        StatusCodes status = statusFor(message.error());
        FUZZ_CHECK(!status.code.empty());
    }
}

void readAll(const xml::XmlElement& element) {
    check(element, readAuthnRequest, writeAuthnRequest);
    check(element, readLogoutRequest, writeLogoutRequest);
    check(element, readLogoutResponse, writeLogoutResponse);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto doc = xml::XmlDocument::parse(text, 64 * 1024);
    if (!doc) return 0;
    readAll(doc->root());
    if (auto inside = soapMessage(*doc)) readAll(*inside);
    return 0;
}
