#include "test/support/saml_sp_apache.hpp"

#include "test/support/apache_httpd.hpp"
#include "test/support/harness_error.hpp"
#include "test/support/temp_dir.hpp"

namespace sesame::testing {
namespace {

// mod_php's file (libphp8.2.so on Debian 12), as etc/demo/apache/render.sh finds it.
std::filesystem::path phpModule() {
    std::filesystem::path found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(apacheModulesDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("libphp", 0) == 0 && entry.path().extension() == ".so" &&
            entry.path() > found)
            found = entry.path();
    }
    return found;
}

}  // namespace

TestCertificate makeSpCertificate(const std::filesystem::path& root) {
    CertificateOptions key;
    key.rsa = true;
    key.days = 30;
    key.fileStem = "sp";
    return makeTestCertificate(root, key);
}

void prepareSp(const std::filesystem::path& root, bool start, int& port,
               const std::function<void()>& render, const std::function<void()>& launch) {
    if (!start) {
        port = freePort();
        render();
        return;
    }
    startApacheOnFreePort(root, [&](int free) {
        port = free;
        render();
        launch();
    });
}

void requirePhpModule() {
    if (phpModule().empty())
        throw HarnessError(std::string(apacheModulesDir) +
                           "/libphp*.so is missing: install libapache2-mod-php "
                           "(scripts/install-deps.sh)");
}

void writeApacheSpConfig(const ApacheSpConfig& config) {
    const auto& root = config.serverRoot;
    const std::string r = root.string();
    std::filesystem::create_directories(root / "logs");
    std::filesystem::create_directories(root / "run");
    writeFile(root / "ping.txt", "ok\n");
    writeFile(root / "page" / "index.php",
              readFile(config.pageSource.empty()
                           ? sourceDir() / "etc" / "demo" / "apache" / "saml-app" / "index.php"
                           : config.pageSource));
    // Apache's children (www-data when started as root) read the page and the SP's files.
    using std::filesystem::perms;
    for (const auto& dir : {root, root / "page"}) std::filesystem::permissions(dir, perms(0755));
    giveToApacheChildren(root / "logs");
    giveToApacheChildren(root / "run");

    std::string conf = "ServerRoot \"" + r +
                       "\"\nServerName 127.0.0.1\nListen 127.0.0.1:" + std::to_string(config.port) +
                       "\nPidFile \"" + r + "/httpd.pid\"\nDefaultRuntimeDir \"" + r +
                       "/run\"\nMutex file:" + r + "/run default\nErrorLog \"" + r +
                       "/logs/error.log\"\nLogLevel " + (config.debug ? "debug" : "warn") + "\n" +
                       apacheRunAs();
    const std::string modules = apacheModulesDir;
    for (const char* module :
         {"mpm_prefork", "authz_core", "authz_user", "authn_core", "mime", "alias", "env", "dir"})
        conf +=
            "LoadModule " + std::string(module) + "_module " + modules + "/mod_" + module + ".so\n";
    // mod_php is not thread-safe: the prefork MPM.
    conf += "LoadModule php_module \"" + phpModule().string() + "\"\n";
    for (const auto& [name, file] : config.modules)
        conf += "LoadModule " + name + " " + modules + "/" + file + "\n";
    conf +=
        "StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\nMaxRequestWorkers 16\n"
        "Timeout 30\nKeepAlive On\nTypesConfig /etc/mime.types\n"
        "LogFormat \"%h \\\"%r\\\" %>s %b user=%u\" sesame\n"
        "CustomLog \"" +
        r + "/logs/access.log\" sesame\n\n" + config.global + "\nAlias /ping \"" + r +
        "/ping.txt\"\n<Location \"/ping\">\n    Require all granted\n"
        "</Location>\n\n<Location \"/\">\n    " +
        config.rootLocation +
        "</Location>\n\n"
        "Alias " +
        config.protectedPath + " \"" + r + "/page/\"\n<Directory \"" + r +
        "/page\">\n"
        "    Options None\n    AllowOverride None\n    DirectoryIndex index.php\n"
        "    <FilesMatch \"\\.php$\">\n        SetHandler application/x-httpd-php\n"
        "    </FilesMatch>\n    php_admin_flag display_errors Off\n"
        "    php_admin_flag log_errors On\n    php_admin_value error_log \"" +
        r + "/logs/php_error.log\"\n</Directory>\n<Location \"" + config.protectedPath +
        "\">\n    " + config.secureLocation;
    for (const auto& [name, value] : config.pageEnv)
        conf += "    SetEnv " + name + " \"" + value + "\"\n";
    conf += "</Location>\n";
    writeFile(root / "httpd.conf", conf);
}

}  // namespace sesame::testing
