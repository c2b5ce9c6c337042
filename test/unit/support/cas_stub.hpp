#pragma once
// A tiny CAS server, in the test process, over HTTPS with a throwaway certificate: just enough of
// /cas/login (form, then SSO by cookie), /cas/serviceValidate, /cas/p3/serviceValidate and
// /cas/samlValidate to prove the Apache + mod_auth_cas harness before Sesame itself runs, and to
// record exactly what mod_auth_cas 1.2 sends (etc/demo/apache/README.md).
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sesame::testing {

struct CasValidationRecord {
    std::string path;     // "/cas/p3/serviceValidate"
    std::string service;  // decoded service (or TARGET for samlValidate)
    std::string ticket;
    bool success = false;
};

class CasStub {
  public:
    explicit CasStub(const std::filesystem::path& dir);  // listening on 127.0.0.1:<free>
    ~CasStub();
    CasStub(const CasStub&) = delete;
    CasStub& operator=(const CasStub&) = delete;

    std::string baseUrl() const;  // "https://127.0.0.1:<port>/cas"
    const std::filesystem::path& caFile() const;

    // Attributes in release order; repeat a name for a multi-valued attribute.
    void addUser(const std::string& login, const std::string& password,
                 std::vector<std::pair<std::string, std::string>> attributes);
    // Appended to every ticket issued from now on (to try ticket formats on mod_auth_cas).
    void setTicketSuffix(const std::string& suffix);

    std::vector<CasValidationRecord> validations() const;
    std::optional<std::string> lastTicketFor(const std::string& service) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace sesame::testing
