#include "test/unit/support/cas_stub.hpp"

#include <openssl/rand.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "test/support/harness_error.hpp"
#include "test/support/html.hpp"
#include "test/support/http_client.hpp"
#include "test/support/test_certificate.hpp"

namespace sesame::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using asio::ip::tcp;

namespace {

std::string token(std::size_t bytes = 16) {
    std::vector<unsigned char> raw(bytes);
    RAND_bytes(raw.data(), static_cast<int>(raw.size()));
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

std::map<std::string, std::string> params(std::string_view text) {
    // A NUL-terminated copy: Debian's Boost.URL 1.81 parse_query reads its argument up to a NUL
    // (strlen), past the end of a Beast request target (found by scripts/sanitize.sh).
    const std::string encodedQuery(text);
    std::map<std::string, std::string> out;
    if (!urls::parse_query(encodedQuery)) return out;
    urls::url holder;
    holder.set_encoded_query(encodedQuery);
    for (auto p : holder.params()) out.emplace(p.key, p.value);
    return out;
}

std::string withTicket(const std::string& service, const std::string& ticket) {
    return service + (service.find('?') == std::string::npos ? "?" : "&") + "ticket=" + ticket;
}

}  // namespace

struct CasStub::State {
    struct User {
        std::string password;
        std::vector<std::pair<std::string, std::string>> attributes;
    };
    struct Ticket {
        std::string service, login;
    };

    asio::io_context ioc;
    ssl::context tls{ssl::context::tls_server};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    TestCertificate certificate;
    int port = 0;

    mutable std::mutex mutex;
    std::map<std::string, User> users;
    std::map<std::string, std::string> ssoSessions;           // TGC -> login
    std::map<std::string, bool> executions;                   // login form tokens, single use
    std::map<std::string, Ticket> tickets;                    // ST -> (service, login), single use
    std::vector<std::pair<std::string, std::string>> issued;  // (service, ticket)
    std::vector<CasValidationRecord> validations;
    std::string ticketSuffix;

    using Response = http::response<http::string_body>;

    Response reply(http::status status, std::string contentType, std::string body) {
        Response res{status, 11};
        res.set(http::field::content_type, contentType);
        res.set(http::field::cache_control, "no-store");
        res.body() = std::move(body);
        return res;
    }

    Response redirect(const std::string& to) {
        Response res{http::status::found, 11};
        res.set(http::field::location, to);
        return res;
    }

    std::string issueTicket(const std::string& service, const std::string& login) {
        std::string st = "ST-" + token() + ticketSuffix;
        tickets[st] = {service, login};
        issued.emplace_back(service, st);
        return st;
    }

    std::string loginForm(const std::string& service, const std::string& message) {
        std::string execution = token();
        executions[execution] = true;
        return "<!DOCTYPE html><html lang=\"fr\"><body><h1>Stub CAS</h1><p>" +
               encodeEntities(message) +
               "</p><form method=\"post\" action=\"/cas/login?service=" + percentEncode(service) +
               "\"><input type=\"hidden\" name=\"execution\" value=\"" + execution +
               "\"><label>Identifiant <input name=\"username\"></label>"
               "<label>Mot de passe <input type=\"password\" name=\"password\"></label>"
               "<button type=\"submit\">Se connecter</button></form></body></html>";
    }

    std::optional<std::string> ssoLogin(const http::request<http::string_body>& req) {
        std::string cookies(req[http::field::cookie]);
        auto at = cookies.find("STUB_TGC=");
        if (at == std::string::npos) return std::nullopt;
        std::string tgc = cookies.substr(at + 9, 32);
        auto it = ssoSessions.find(tgc);
        if (it == ssoSessions.end()) return std::nullopt;
        return it->second;
    }

    Response login(const http::request<http::string_body>& req, const std::string& service) {
        if (req.method() == http::verb::get) {
            if (auto who = ssoLogin(req))
                return redirect(withTicket(service, issueTicket(service, *who)));
            return reply(http::status::ok, "text/html; charset=utf-8", loginForm(service, ""));
        }
        auto form = params(req.body());
        auto user = users.find(form["username"]);
        bool fresh = executions.erase(form["execution"]) == 1;
        if (!fresh || user == users.end() || user->second.password != form["password"]) {
            return reply(http::status::unauthorized, "text/html; charset=utf-8",
                         loginForm(service, "Identifiant ou mot de passe incorrect."));
        }
        std::string tgc = token();
        ssoSessions[tgc] = user->first;
        Response res = redirect(withTicket(service, issueTicket(service, user->first)));
        res.set(http::field::set_cookie, "STUB_TGC=" + tgc + "; Path=/cas; Secure; HttpOnly");
        return res;
    }

    // One-time use, exact service match (CAS Protocol 3.0 section 3.1.1).
    std::optional<std::string> consume(const std::string& path, const std::string& service,
                                       const std::string& ticket) {
        auto it = tickets.find(ticket);
        bool ok = it != tickets.end() && it->second.service == service;
        std::optional<std::string> login;
        if (ok) login = it->second.login;
        if (it != tickets.end()) tickets.erase(it);
        validations.push_back({path, service, ticket, ok});
        return login;
    }

    Response serviceValidate(const std::string& path, std::map<std::string, std::string> q) {
        auto login = consume(path, q["service"], q["ticket"]);
        std::string xml = "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n";
        if (!login) {
            xml += "  <cas:authenticationFailure code=\"INVALID_TICKET\">Ticket " +
                   encodeEntities(q["ticket"]) + " not recognized</cas:authenticationFailure>\n";
        } else {
            xml += "  <cas:authenticationSuccess>\n    <cas:user>" + encodeEntities(*login) +
                   "</cas:user>\n    <cas:attributes>\n";
            for (const auto& [name, value] : users[*login].attributes) {
                xml += "      <cas:" + name + ">" + encodeEntities(value) + "</cas:" + name + ">\n";
            }
            xml += "    </cas:attributes>\n  </cas:authenticationSuccess>\n";
        }
        xml += "</cas:serviceResponse>\n";
        return reply(http::status::ok, "application/xml; charset=utf-8", xml);
    }

    Response samlValidate(std::map<std::string, std::string> q, const std::string& body) {
        auto open = body.find("AssertionArtifact>");
        auto close = body.find("</", open);
        std::string ticket = open == std::string::npos || close == std::string::npos
                                 ? ""
                                 : body.substr(open + 18, close - open - 18);
        auto login = consume("/cas/samlValidate", q["TARGET"], ticket);
        std::string status = login ? "saml1p:Success" : "saml1p:Requester";
        std::string xml =
            "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\">"
            "<SOAP-ENV:Header/><SOAP-ENV:Body><saml1p:Response "
            "xmlns:saml1p=\"urn:oasis:names:tc:SAML:1.0:protocol\" MajorVersion=\"1\" "
            "MinorVersion=\"1\" ResponseID=\"_" +
            token() +
            "\" IssueInstant=\"2026-01-01T00:00:00Z\">"
            "<saml1p:Status><saml1p:StatusCode Value=\"" +
            status + "\"/></saml1p:Status>";
        if (login) {
            std::string subject = "<saml1:Subject><saml1:NameIdentifier>" + encodeEntities(*login) +
                                  "</saml1:NameIdentifier></saml1:Subject>";
            xml +=
                "<saml1:Assertion xmlns:saml1=\"urn:oasis:names:tc:SAML:1.0:assertion\" "
                "AssertionID=\"_" +
                token() +
                "\" MajorVersion=\"1\" MinorVersion=\"1\">"
                "<saml1:AuthenticationStatement AuthenticationInstant=\"2026-01-01T00:00:00Z\" "
                "AuthenticationMethod=\"urn:oasis:names:tc:SAML:1.0:am:password\">" +
                subject + "</saml1:AuthenticationStatement><saml1:AttributeStatement>" + subject;
            // SAML 1.1 groups values under one Attribute per name.
            std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
            for (const auto& [name, value] : users[*login].attributes) {
                if (grouped.empty() || grouped.back().first != name) grouped.push_back({name, {}});
                grouped.back().second.push_back(value);
            }
            for (const auto& [name, values] : grouped) {
                xml += "<saml1:Attribute AttributeName=\"" + encodeEntities(name) +
                       "\" AttributeNamespace=\"http://www.ja-sig.org/products/cas/\">";
                for (const auto& v : values)
                    xml += "<saml1:AttributeValue>" + encodeEntities(v) + "</saml1:AttributeValue>";
                xml += "</saml1:Attribute>";
            }
            xml += "</saml1:AttributeStatement></saml1:Assertion>";
        }
        xml += "</saml1p:Response></SOAP-ENV:Body></SOAP-ENV:Envelope>";
        return reply(http::status::ok, "text/xml; charset=utf-8", xml);
    }

    Response handle(const http::request<http::string_body>& req) {
        std::lock_guard lock(mutex);
        auto target = urls::parse_origin_form(req.target());
        if (!target) return reply(http::status::bad_request, "text/plain", "bad target\n");
        std::string path(target->path());
        auto q = params(target->encoded_query());
        if (path == "/cas/login") return login(req, q["service"]);
        if (path == "/cas/serviceValidate" || path == "/cas/p3/serviceValidate") {
            return serviceValidate(path, q);
        }
        if (path == "/cas/samlValidate" && req.method() == http::verb::post) {
            return samlValidate(q, req.body());
        }
        return reply(http::status::not_found, "text/plain", "not found\n");
    }

    asio::awaitable<void> session(tcp::socket socket) {
        try {
            beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
            beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
            co_await stream.async_handshake(ssl::stream_base::server, asio::use_awaitable);
            beast::flat_buffer buffer;
            http::request<http::string_body> req;
            co_await http::async_read(stream, buffer, req, asio::use_awaitable);
            Response res = handle(req);
            res.set(http::field::connection, "close");
            res.prepare_payload();
            co_await http::async_write(stream, res, asio::use_awaitable);
            beast::error_code ignored;
            beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
        } catch (const std::exception&) {
            // A client that goes away mid-request is not the stub's concern.
        }
    }

    asio::awaitable<void> listen() {
        for (;;) {
            tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
            asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
        }
    }
};

CasStub::CasStub(const std::filesystem::path& dir) : state_(std::make_unique<State>()) {
    state_->certificate = makeTestCertificate(dir);
    state_->tls.use_certificate_chain_file(state_->certificate.certificateFile.string());
    state_->tls.use_private_key_file(state_->certificate.privateKeyFile.string(),
                                     ssl::context::pem);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    state_->port = state_->acceptor.local_endpoint().port();
    asio::co_spawn(state_->ioc, state_->listen(), asio::detached);
    state_->thread = std::thread([s = state_.get()] { s->ioc.run(); });
}

CasStub::~CasStub() {
    state_->ioc.stop();
    state_->thread.join();
}

std::string CasStub::baseUrl() const {
    return "https://127.0.0.1:" + std::to_string(state_->port) + "/cas";
}

const std::filesystem::path& CasStub::caFile() const {
    return state_->certificate.certificateFile;
}

void CasStub::addUser(const std::string& login, const std::string& password,
                      std::vector<std::pair<std::string, std::string>> attributes) {
    std::lock_guard lock(state_->mutex);
    state_->users[login] = {password, std::move(attributes)};
}

void CasStub::setTicketSuffix(const std::string& suffix) {
    std::lock_guard lock(state_->mutex);
    state_->ticketSuffix = suffix;
}

std::vector<CasValidationRecord> CasStub::validations() const {
    std::lock_guard lock(state_->mutex);
    return state_->validations;
}

std::optional<std::string> CasStub::lastTicketFor(const std::string& service) const {
    std::lock_guard lock(state_->mutex);
    for (auto it = state_->issued.rbegin(); it != state_->issued.rend(); ++it) {
        if (it->first == service) return it->second;
    }
    return std::nullopt;
}

}  // namespace sesame::testing
