#pragma once
// A real browser for tests: Debian's Chromium, headless, driven by Debian's chromedriver over the
// W3C WebDriver HTTP API (https://www.w3.org/TR/webdriver2/) with JSON over plain HTTP on
// loopback. Only what a person does is offered: open a page, follow a link by its text, find a
// field by its <label>, type, press a button, read what is shown, and what assistive technology
// reads (accessible name and role, focus). Failures are HarnessError exceptions that name the
// WebDriver error and the page.
#include <sys/types.h>

#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "test/support/harness_error.hpp"
#include "test/support/process.hpp"

namespace sesame::testing {

// WebDriver's codes for keys without a character (WebDriver §17.4.2).
namespace keys {
inline constexpr std::string_view tab = "\uE004";
inline constexpr std::string_view enter = "\uE007";
}  // namespace keys

// A WebDriver error reply (https://www.w3.org/TR/webdriver2/#errors): `error` is its code,
// "no such element", "stale element reference", "timeout"...
class WebDriverError : public HarnessError {
  public:
    WebDriverError(std::string error, const std::string& what)
        : HarnessError(what), error_(std::move(error)) {}
    const std::string& error() const { return error_; }

  private:
    std::string error_;
};

// A node of the current page, as WebDriver names it (valid until the page changes).
struct Element {
    std::string id;
};

// The chromedriver process: started on a port it picks itself (it prints it), awaited on its
// /status. Throws HarnessError saying which packages to install when chromium or chromedriver
// is missing. Stopped by PID.
class ChromeDriver {
  public:
    explicit ChromeDriver(const std::filesystem::path& logDir);
    ~ChromeDriver();
    ChromeDriver(const ChromeDriver&) = delete;
    ChromeDriver& operator=(const ChromeDriver&) = delete;

    int port() const { return port_; }
    const std::string& chromium() const { return chromium_; }
    Process& process() { return *process_; }
    // One command: `method` ("GET", "POST", "DELETE") on `path` ("/session/<id>/url"). Returns the
    // reply's "value"; throws HarnessError with the WebDriver error and message on failure.
    boost::json::value command(std::string_view method, const std::string& path,
                               const boost::json::value& body = nullptr);

  private:
    std::string chromium_;
    int port_ = 0;
    std::unique_ptr<Process> process_;
};

struct WindowOptions {
    std::filesystem::path profileDir;  // required: Chromium's --user-data-dir, a fresh directory
    // Set: a phone of this CSS size (Chromium's mobile emulation: the page's viewport meta is
    // honoured, touch events, device pixel ratio 1). Unset: a 1280x900 desktop window.
    std::optional<std::pair<int, int>> phone;
    // The languages the browser asks for (Accept-Language): a French teacher's browser.
    std::string acceptLanguage = "fr-FR,fr";
};

// One WebDriver session: a fresh Chromium (its own profile, so no cookie is shared with another
// window). Closed with the session; if Chromium outlives that, it is stopped by its PID.
class BrowserWindow {
  public:
    BrowserWindow(ChromeDriver& driver, WindowOptions options);
    ~BrowserWindow();
    BrowserWindow(const BrowserWindow&) = delete;
    BrowserWindow& operator=(const BrowserWindow&) = delete;

    // Navigation; WebDriver returns once the page has loaded.
    void open(const std::string& url);
    std::string url();
    std::string title();
    std::string pageText();  // what is shown in <body>
    std::string language();  // <html lang>

    // Finding what a person sees. Each throws HarnessError naming what is on the page instead.
    Element link(std::string_view visibleText);  // <a> whose shown text is exactly this
    Element button(std::string_view visibleText);
    // The form control that the <label> reading exactly `labelText` is bound to (label.control:
    // for= or nesting, the association screen readers use).
    Element fieldLabelled(std::string_view labelText);
    Element heading();  // the <h1>
    std::optional<Element> find(std::string_view cssSelector);
    Element focused();  // document.activeElement

    // Acting, as a person: a real click (scrolled into view, hit-tested), real key events.
    void click(const Element& element);
    void type(const Element& element, std::string_view text);
    // Keys pressed on whatever has the focus, one by one: text, or codes from `keys::`.
    void press(std::string_view keys);

    // Reading.
    std::string text(const Element& element);
    std::optional<std::string> attribute(const Element& element, std::string_view name);
    std::string property(const Element& element, std::string_view name);  // "value"...
    std::string accessibleName(const Element& element);  // computed from the accessibility tree
    std::string role(const Element& element);            // computed ARIA role
    bool same(const Element& a, const Element& b);
    std::string cssValue(const Element& element, std::string_view property);
    std::string markup(const Element& element);  // outerHTML, for failure messages

    // Layout of the current page, in CSS pixels.
    int viewportWidth();  // innerWidth
    int scrollWidth();    // document.documentElement.scrollWidth

    // false: the pages loaded next run none of their own scripts, as in a browser with
    // JavaScript turned off (DevTools' Emulation.setScriptExecutionDisabled, through
    // chromedriver's goog/cdp/execute); WebDriver's own commands keep working.
    void setPageScripts(bool enabled);

    // The viewport as a PNG, written to `file`.
    void screenshot(const std::filesystem::path& file);

    // Runs `script` (a function body; `arguments` are `args`) and returns its value.
    boost::json::value script(std::string_view script, const boost::json::array& args = {});

    // Polls `ready` (e.g. the URL after a redirect chain) like waitUntil().
    void waitFor(const std::function<bool()>& ready, std::string_view what,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

  private:
    boost::json::value command(std::string_view method, std::string_view path,
                               const boost::json::value& body = nullptr);
    Element findBy(std::string_view strategy, std::string_view value, std::string_view what);
    std::string elementPath(const Element& element, std::string_view rest) const;

    ChromeDriver& driver_;
    std::string session_;
    pid_t chromiumPid_ = -1;
};

// U+00A0 (the no-break space of French typography, "Qui êtes-vous ?") as an ordinary space,
// runs of white space as one: for comparing shown text with what a person reads.
std::string spaced(std::string_view text);

}  // namespace sesame::testing
