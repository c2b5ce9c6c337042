#pragma once
// A tiny HTTPS server that records the requests it gets: the pgtUrl callback of a CAS proxy
// (Sesame calls it with pgtIou and pgtId) in the proxy-flow tests. It answers "ok", or what
// serve() set for a path (a SAML federation's metadata aggregate, changed while Sesame runs).
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sesame::testing {

class HttpsCallback {
  public:
    HttpsCallback(const std::filesystem::path& certificate, const std::filesystem::path& key);
    ~HttpsCallback();
    int port() const { return port_; }
    std::string url(const std::string& path) const {
        return "https://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<std::string> targets() const;  // request targets received, in order
    // From now on, a GET of `path` is answered with `status` and `body`.
    void serve(const std::string& path, int status, std::string body);

  private:
    struct State;
    std::shared_ptr<State> state_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace sesame::testing
