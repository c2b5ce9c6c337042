#include "test/browser/webdriver.hpp"

#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "test/support/temp_dir.hpp"

namespace sesame::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;

namespace {

// The W3C name of the key that marks an element reference in JSON (WebDriver §12.1).
constexpr std::string_view elementKey = "element-6066-11e4-a52e-4f735466cecf";

std::string binary(const char* variable, const char* fallback) {
    const char* value = std::getenv(variable);
    return value && *value ? value : fallback;
}

std::string firstLine(std::string_view text) {
    return std::string(text.substr(0, text.find('\n')));
}

std::string stringOf(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return {};
    return json::serialize(v);
}

json::value elementArg(const Element& e) {
    return json::object{{elementKey, e.id}};
}

std::optional<Element> asElement(const json::value& v) {
    if (!v.is_object()) return std::nullopt;
    if (const auto* id = v.get_object().if_contains(elementKey); id && id->is_string())
        return Element{std::string(id->get_string())};
    return std::nullopt;
}

// An XPath 1.0 string literal for any text (XPath has no escapes: concat() around quotes).
std::string xpathLiteral(std::string_view text) {
    if (text.find('\'') == std::string_view::npos) return "'" + std::string(text) + "'";
    if (text.find('"') == std::string_view::npos) return "\"" + std::string(text) + "\"";
    std::string out = "concat(";
    std::size_t start = 0;
    for (std::size_t q; (q = text.find('\'', start)) != std::string_view::npos; start = q + 1)
        out += "'" + std::string(text.substr(start, q - start)) + "', \"'\", ";
    return out + "'" + std::string(text.substr(start)) + "')";
}

std::string base64Decode(std::string_view in) {
    auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    out.reserve(in.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        int v = sextet(c);
        if (v < 0) continue;  // '=' padding, line breaks
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// True while `pid` is a live process (a zombie waiting for chromedriver to reap it is gone).
bool alive(pid_t pid) {
    if (pid <= 0 || ::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    return close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'Z';
}

void waitGone(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (alive(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

std::string spaced(std::string_view text) {
    std::string out;
    bool space = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool blank = text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r';
        if (text.compare(i, 2, "\xC2\xA0") == 0) {
            blank = true;
            ++i;
        }
        if (blank) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += text[i];
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
ChromeDriver::ChromeDriver(const std::filesystem::path& logDir)
    : chromium_(binary("SESAME_CHROMIUM", "/usr/bin/chromium")) {
    const std::string driver = binary("SESAME_CHROMEDRIVER", "/usr/bin/chromedriver");
    for (const auto& program : {chromium_, driver}) {
        if (!std::filesystem::exists(program))
            throw HarnessError(program +
                               " is missing: install Debian's chromium and chromium-driver "
                               "(apt-get install chromium chromium-driver, or "
                               "scripts/install-deps.sh), or set SESAME_CHROMIUM / "
                               "SESAME_CHROMEDRIVER");
    }
    // Port 0: chromedriver binds a free port itself and prints it, so no other process can take
    // it between our choice and its bind.
    process_ = std::make_unique<Process>(
        ProcessSpec{driver,
                    {"--port=0", "--log-path=" + (logDir / "chromedriver.log").string()},
                    {},
                    {},
                    logDir,
                    "chromedriver"});
    const std::regex started("started successfully on port ([0-9]+)");
    waitUntil(
        [&] {
            std::smatch m;
            std::string out = readFile(process_->stdoutPath());
            if (!std::regex_search(out, m, started)) return false;
            port_ = std::stoi(m[1].str());
            return true;
        },
        std::chrono::seconds(15), "chromedriver to print its port", process_.get());
    waitUntil(
        [&] {
            try {
                auto status = command("GET", "/status");
                return status.is_object() && status.at("ready").as_bool();
            } catch (const HarnessError&) {
                return false;
            }
        },
        std::chrono::seconds(15), "chromedriver /status ready", process_.get());
}

ChromeDriver::~ChromeDriver() {
    if (process_) process_->stop();
}

json::value ChromeDriver::command(std::string_view method, const std::string& path,
                                  const json::value& body) {
    const std::string what = "WebDriver " + std::string(method) + " " + path;
    http::response<http::string_body> res;
    try {
        asio::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(std::chrono::seconds(60));
        stream.connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
        http::request<http::string_body> req{http::string_to_verb(method), path, 11};
        req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        if (method == "POST") {
            // Every POST carries a JSON object, an empty one when the command has no parameter.
            req.set(http::field::content_type, "application/json; charset=utf-8");
            req.body() = body.is_null() ? "{}" : json::serialize(body);
        }
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);  // screenshots
        http::read(stream, buffer, parser);
        res = parser.release();
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    } catch (const boost::system::system_error& e) {
        throw HarnessError(what + ": " + e.what());
    }
    boost::system::error_code ec;
    json::value reply = json::parse(res.body(), ec);
    if (ec || !reply.is_object() || !reply.as_object().contains("value"))
        throw HarnessError(what + ": HTTP " + std::to_string(res.result_int()) +
                           ", not a WebDriver reply: " + res.body().substr(0, 500));
    json::value value = reply.as_object()["value"];
    if (res.result_int() != 200) {
        std::string error = "unknown error", message;
        if (value.is_object()) {
            if (auto* e = value.as_object().if_contains("error")) error = stringOf(*e);
            if (auto* m = value.as_object().if_contains("message")) message = stringOf(*m);
        }
        throw WebDriverError(error, what + ": " + error + ": " + firstLine(message));
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
BrowserWindow::BrowserWindow(ChromeDriver& driver, WindowOptions options) : driver_(driver) {
    if (options.profileDir.empty()) throw HarnessError("WindowOptions.profileDir is required");
    std::filesystem::create_directories(options.profileDir);
    json::array args{"--headless=new",
                     "--no-sandbox",  // root in a container: no user namespace for the sandbox
                     "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     // DevTools over a pipe, not a TCP port: Debian 12's chromium 150 with its
                     // chromedriver cannot connect to the renderer through the port (a fresh
                     // bookworm without bookworm-security has that version), 156 works either way.
                     "--remote-debugging-pipe", "--user-data-dir=" + options.profileDir.string()};
    json::object chrome{{"binary", driver.chromium()},
                        {"prefs", {{"intl.accept_languages", options.acceptLanguage}}}};
    if (options.phone) {
        chrome["mobileEmulation"] = {{"deviceMetrics",
                                      {{"width", options.phone->first},
                                       {"height", options.phone->second},
                                       {"pixelRatio", 1},
                                       {"touch", true}}}};
    } else {
        args.push_back("--window-size=1280,900");
    }
    chrome["args"] = std::move(args);
    json::object capabilities{
        {"browserName", "chrome"},
        // Sesame's test certificate is self-signed (test/support/test_certificate.hpp).
        {"acceptInsecureCerts", true},
        {"pageLoadStrategy", "normal"},
        {"timeouts", {{"implicit", 0}, {"pageLoad", 20000}, {"script", 10000}}},
        {"goog:chromeOptions", std::move(chrome)}};
    auto created = driver_.command("POST", "/session",
                                   json::object{{"capabilities", {{"alwaysMatch", capabilities}}}});
    session_ = stringOf(created.at("sessionId"));
    if (auto* pid = created.at("capabilities").as_object().if_contains("goog:processID");
        pid && pid->is_int64())
        chromiumPid_ = static_cast<pid_t>(pid->as_int64());
}

BrowserWindow::~BrowserWindow() {
    try {
        driver_.command("DELETE", "/session/" + session_);
    } catch (const HarnessError&) {
        // chromedriver is gone or the session is: Chromium is stopped by PID below.
    }
    if (!alive(chromiumPid_)) return;
    waitGone(chromiumPid_, std::chrono::seconds(2));
    if (alive(chromiumPid_)) ::kill(chromiumPid_, SIGTERM);
    waitGone(chromiumPid_, std::chrono::seconds(3));
    if (alive(chromiumPid_)) ::kill(chromiumPid_, SIGKILL);
}

json::value BrowserWindow::command(std::string_view method, std::string_view path,
                                   const json::value& body) {
    return driver_.command(method, "/session/" + session_ + std::string(path), body);
}

std::string BrowserWindow::elementPath(const Element& element, std::string_view rest) const {
    return "/element/" + element.id + std::string(rest);
}

void BrowserWindow::open(const std::string& url) {
    command("POST", "/url", json::object{{"url", url}});
}

std::string BrowserWindow::url() {
    return stringOf(command("GET", "/url"));
}
std::string BrowserWindow::title() {
    return stringOf(command("GET", "/title"));
}
std::string BrowserWindow::pageText() {
    return text(findBy("css selector", "body", "<body>"));
}
std::string BrowserWindow::language() {
    return stringOf(script("return document.documentElement.lang;"));
}

Element BrowserWindow::findBy(std::string_view strategy, std::string_view value,
                              std::string_view what) {
    try {
        auto found =
            command("POST", "/element", json::object{{"using", strategy}, {"value", value}});
        if (auto element = asElement(found)) return *element;
        throw HarnessError("WebDriver returned no element for " + std::string(what));
    } catch (const WebDriverError& e) {
        if (e.error() != "no such element") throw;
        // What the person would see instead, for the failure message.
        std::string shown;
        try {
            shown =
                spaced(stringOf(script("return document.body ? document.body.innerText : '';")));
        } catch (const HarnessError&) {
        }
        throw HarnessError("no " + std::string(what) + " on " + url() +
                           "; the page shows: " + shown.substr(0, 1500));
    }
}

Element BrowserWindow::link(std::string_view visibleText) {
    return findBy("link text", visibleText, "link \"" + std::string(visibleText) + "\"");
}

Element BrowserWindow::button(std::string_view visibleText) {
    return findBy("xpath", "//button[normalize-space(.)=" + xpathLiteral(visibleText) + "]",
                  "button \"" + std::string(visibleText) + "\"");
}

Element BrowserWindow::heading() {
    return findBy("css selector", "h1", "<h1>");
}

std::optional<Element> BrowserWindow::find(std::string_view cssSelector) {
    try {
        return asElement(command("POST", "/element",
                                 json::object{{"using", "css selector"}, {"value", cssSelector}}));
    } catch (const WebDriverError& e) {
        if (e.error() == "no such element") return std::nullopt;
        throw;
    }
}

Element BrowserWindow::fieldLabelled(std::string_view labelText) {
    // label.control is the HTML "labeled control" (for= or the nested control): the link a
    // screen reader follows to name a field. Text compared as shown, white space collapsed.
    auto found = script(R"js(
        const norm = s => s.replace(/\s+/g, ' ').trim();
        const labels = [...document.querySelectorAll('label')];
        const hits = labels.filter(l => norm(l.textContent) === arguments[0]);
        if (hits.length === 1 && hits[0].control) return hits[0].control;
        return {hits: hits.length, labels: labels.map(l => norm(l.textContent))};
    )js",
                        {json::string(spaced(labelText))});
    if (auto element = asElement(found)) return *element;
    throw HarnessError("no single form field labelled \"" + std::string(labelText) + "\" on " +
                       url() + ": " + json::serialize(found));
}

Element BrowserWindow::focused() {
    auto v = command("GET", "/element/active");
    if (auto element = asElement(v)) return *element;
    throw HarnessError("WebDriver returned no active element: " + json::serialize(v));
}

void BrowserWindow::click(const Element& element) {
    command("POST", elementPath(element, "/click"));
}

void BrowserWindow::type(const Element& element, std::string_view text) {
    command("POST", elementPath(element, "/value"), json::object{{"text", text}});
}

void BrowserWindow::press(std::string_view keys) {
    // One keyDown/keyUp pair per code point: WebDriver key actions carry a single one each.
    json::array actions;
    for (std::size_t i = 0; i < keys.size();) {
        std::size_t n = 1;
        auto lead = static_cast<unsigned char>(keys[i]);
        if (lead >= 0xF0)
            n = 4;
        else if (lead >= 0xE0)
            n = 3;
        else if (lead >= 0xC0)
            n = 2;
        json::string key(keys.substr(i, n));
        actions.push_back({{"type", "keyDown"}, {"value", key}});
        actions.push_back({{"type", "keyUp"}, {"value", key}});
        i += n;
    }
    command(
        "POST", "/actions",
        json::object{{"actions", json::array{json::object{
                                     {"type", "key"}, {"id", "keyboard"}, {"actions", actions}}}}});
}

std::string BrowserWindow::text(const Element& element) {
    return stringOf(command("GET", elementPath(element, "/text")));
}

std::optional<std::string> BrowserWindow::attribute(const Element& element, std::string_view name) {
    auto v = command("GET", elementPath(element, "/attribute/" + std::string(name)));
    if (v.is_null()) return std::nullopt;
    return stringOf(v);
}

std::string BrowserWindow::property(const Element& element, std::string_view name) {
    return stringOf(command("GET", elementPath(element, "/property/" + std::string(name))));
}

std::string BrowserWindow::accessibleName(const Element& element) {
    return stringOf(command("GET", elementPath(element, "/computedlabel")));
}

std::string BrowserWindow::role(const Element& element) {
    return stringOf(command("GET", elementPath(element, "/computedrole")));
}

std::string BrowserWindow::cssValue(const Element& element, std::string_view property) {
    return stringOf(command("GET", elementPath(element, "/css/" + std::string(property))));
}

std::string BrowserWindow::markup(const Element& element) {
    return stringOf(script("return arguments[0].outerHTML;", {elementArg(element)}));
}

bool BrowserWindow::same(const Element& a, const Element& b) {
    auto v = script("return arguments[0] === arguments[1];", {elementArg(a), elementArg(b)});
    return v.is_bool() && v.as_bool();
}

int BrowserWindow::viewportWidth() {
    return static_cast<int>(script("return window.innerWidth;").to_number<double>());
}

int BrowserWindow::scrollWidth() {
    return static_cast<int>(
        script("return document.documentElement.scrollWidth;").to_number<double>());
}

void BrowserWindow::setPageScripts(bool enabled) {
    command("POST", "/goog/cdp/execute",
            json::object{{"cmd", "Emulation.setScriptExecutionDisabled"},
                         {"params", {{"value", !enabled}}}});
}

void BrowserWindow::screenshot(const std::filesystem::path& file) {
    writeFile(file, base64Decode(stringOf(command("GET", "/screenshot"))));
}

json::value BrowserWindow::script(std::string_view script, const json::array& args) {
    return command("POST", "/execute/sync", json::object{{"script", script}, {"args", args}});
}

void BrowserWindow::waitFor(const std::function<bool()>& ready, std::string_view what,
                            std::chrono::milliseconds timeout) {
    waitUntil(ready, timeout, what, &driver_.process());
}

}  // namespace sesame::testing
