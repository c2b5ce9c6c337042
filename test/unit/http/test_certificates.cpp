#include "test/unit/http/test_certificates.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sesame::http::test {
namespace {

bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

bool makeCa(const std::string& dir, const std::string& name) {
    return run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
        " -keyout " +
        dir + "/" + name + ".key -out " + dir + "/" + name + ".crt" + " -subj /CN=" + name +
        " -addext basicConstraints=critical,CA:TRUE"
        " -addext keyUsage=critical,keyCertSign,cRLSign");
}

bool makeServer(const std::string& dir) {
    std::ofstream(dir + "/server.ext") << "subjectAltName=IP:127.0.0.1\n"
                                          "basicConstraints=CA:FALSE\n"
                                          "keyUsage=critical,digitalSignature\n"
                                          "extendedKeyUsage=serverAuth\n";
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + dir +
               "/server.key -out " + dir + "/server.csr -subj /CN=127.0.0.1") &&
           run("openssl x509 -req -in " + dir + "/server.csr -CA " + dir + "/test-ca.crt -CAkey " +
               dir + "/test-ca.key -CAcreateserial -days 2 -out " + dir + "/server.crt -extfile " +
               dir + "/server.ext");
}

struct Owned {
    TestPki pki;
    bool ok = false;
    Owned() {
        char pattern[] = "/tmp/sesame-http-pki-XXXXXX";
        if (!::mkdtemp(pattern)) return;
        std::string dir = pattern;
        pki = {dir, dir + "/test-ca.crt", dir + "/server.crt", dir + "/server.key",
               dir + "/other-ca.crt"};
        ok = makeCa(dir, "test-ca") && makeCa(dir, "other-ca") && makeServer(dir);
    }
    ~Owned() {
        std::error_code ec;
        if (!pki.folder.empty()) std::filesystem::remove_all(pki.folder, ec);
    }
};

}  // namespace

const TestPki& testPki() {
    static Owned owned;
    INFO("the TLS tests need the openssl command (Debian package openssl)");
    REQUIRE(owned.ok);
    return owned.pki;
}

}  // namespace sesame::http::test
