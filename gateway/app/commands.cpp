#include "gateway/app/commands.hpp"

#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <ctime>
#include <iostream>

#include "connectors/local/password_hash.hpp"
#include "gateway/app/endpoints.hpp"
#include "gateway/app/file_access.hpp"
#include "gateway/app/gateway.hpp"
#include "gateway/app/login_flow.hpp"
#include "gateway/config/yaml_file.hpp"
#include "gateway/core/log.hpp"
#include "gateway/core/text.hpp"
#include "gateway/http/process_signals.hpp"
#include "gateway/session/redis_client.hpp"
#include "gateway/session/redis_session_store.hpp"

namespace sesame::app {
namespace {
const core::Logger log{"sesame"};
constexpr const char* defaultConfig = "etc/sesame.yml";

const char* usage =
    "usage: sesame <command> [options]\n"
    "  serve [-c FILE]                      run the gateway (default FILE: etc/sesame.yml)\n"
    "  check-config [-c FILE]               validate the configuration and print every problem\n"
    "  passwd                               read a password, print its argon2id hash\n"
    "  connector test ID LOGIN [-c FILE]    show what directory ID returns for LOGIN\n"
    "  sessions list LOGIN [-c FILE]        list the SSO sessions of LOGIN\n"
    "  sessions revoke LOGIN [-c FILE]      end them, with single logout to their services\n";

// Loads the configuration or prints every problem; nullopt when there was one. `checkFiles`:
// also the access rights of the files it names (check-config).
std::optional<Configuration> load(const std::string& file, bool checkFiles = false) {
    core::ConfigErrors errors;
    auto configuration = loadConfiguration(file, errors);
    if (checkFiles) {
        core::ConfigErrors unused;  // the file's own problems are in `errors` already
        if (auto root = config::loadYamlFile(file, unused)) checkFileAccess(*root, errors);
    }
    if (!errors.empty()) {
        std::cerr << errors.format();
        std::cerr << "sesame: " << errors.all().size() << " problem(s) in the configuration\n";
        return std::nullopt;
    }
    return configuration;
}

// Runs one coroutine to completion on a private io_context (the command-line tools).
template <class T>
T runToCompletion(boost::asio::io_context& context, boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(context, std::move(task), boost::asio::use_future);
    context.run();
    return future.get();
}

std::string readSecret(const char* prompt) {
    std::string line;
    if (!isatty(STDIN_FILENO)) {
        std::getline(std::cin, line);
        return line;
    }
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios silent = old;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    std::cerr << prompt;
    tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
}

void printIdentity(const core::Identity& id) {
    std::cout << "mapped identity:\n"
              << "  subject:      " << id.subject << "\n"
              << "  login:        " << id.login << "\n"
              << "  display name: " << id.displayName << "\n"
              << "  given name:   " << id.givenName << "\n"
              << "  family name:  " << id.familyName << "\n"
              << "  email:        " << id.email << "\n";
    for (const auto& p : id.profiles)
        std::cout << "  profile:      " << p.profile << (p.uai.empty() ? "" : " at " + p.uai)
                  << "\n";
    for (const auto& s : id.structures) std::cout << "  structure:    " << s << "\n";
    for (const auto& f : id.functions) std::cout << "  function:     " << f << "\n";
    for (const auto& c : id.classes) std::cout << "  class:        " << c << "\n";
    for (const auto& c : id.children) std::cout << "  child:        " << c << "\n";
    std::cout << "  habilitation: " << id.habilitation << "\n";
}
}  // namespace

int serve(const std::string& configFile) {
    auto configuration = load(configFile);
    if (!configuration) return 2;
    core::setMinimumLogLevel(configuration->startup.logLevel);
    GatewayState state(configuration->startup);
    state.publish(configuration->runtime);
    auto backChannel = http::BackChannelClient::create(state.startup.backChannel);
    if (!backChannel) {
        log.error("back_channel_setup", {{"error", backChannel.error().message()}});
        return 2;
    }
    state.backChannel = *backChannel;

    http::Server server(
        state.startup.server,
        [&state](boost::asio::io_context& context) { return makeWorkerHandler(context, state); },
        makeRequestObserver(state));
    server.onListening([&] {
        auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - state.startedAt)
                      .count() /
                  1000.0;
        log.info("listening",
                 {{"address", state.startup.server.host + ":" + std::to_string(server.port())},
                  {"public_url", state.startup.server.publicUrl},
                  {"startup_ms", std::to_string(ms)}});
    });
    auto started = server.start();
    if (!started) {
        log.error("start_failed", {{"error", started.error().message()}});
        return 1;
    }

    boost::asio::io_context control;
    // The protocols' background tasks (endpoints.hpp): one each for the process, on this loop.
    for (const auto& entry : registeredProtocols())
        if (entry.background)
            boost::asio::co_spawn(
                control,
                entry.background(BackgroundContext{[&state] { return state.runtime.load(); },
                                                   *state.backChannel, state.clock}),
                boost::asio::detached);
    http::ProcessSignals signals(
        control,
        [&](int signal) {
            log.info("stopping", {{"signal", std::to_string(signal)}});
            server.stop();
            control.stop();
        },
        [&] {
            // SIGHUP: the certificate and key first (a renewal needs no other change; a file
            // that does not load keeps the current ones, said in the log), then a new picture
            // of everything reloadable; sessions live in Redis and stay.
            (void)server.reloadTls();
            core::ConfigErrors errors;
            auto reloaded = loadConfiguration(configFile, errors);
            if (!errors.empty()) {
                log.error("reload_refused", {{"problems", errors.format()}});
                return;
            }
            state.publish(reloaded.runtime);
            log.info("reloaded",
                     {{"services", std::to_string(reloaded.runtime->registry.all().size())}});
        });
    control.run();
    server.wait();
    // Before `server` and the event loops it owns are destroyed: a password check still at a
    // frozen directory after the grace period would otherwise report to a freed io_context.
    state.stopPasswordChecks();
    log.info("stopped");
    return 0;
}

int checkConfig(const std::string& configFile) {
    auto configuration = load(configFile, true);
    if (!configuration) return 2;
    const auto& rt = *configuration->runtime;
    std::cout << configFile << ": configuration OK: " << rt.directories.size() << " directories, "
              << rt.registry.all().size() << " services, " << rt.portal.choices.size()
              << " portal choices\n";
    for (const auto& entry : registeredProtocols())
        if (entry.notChecked)
            for (const auto& line : entry.notChecked(rt)) std::cout << "  " << line << "\n";
    return 0;
}

int printPasswordHash() {
    auto password = readSecret("Mot de passe / Password: ");
    if (isatty(STDIN_FILENO) && readSecret("Confirmation: ") != password) {
        std::cerr << "sesame: the two passwords differ\n";
        return 1;
    }
    if (password.empty()) {
        std::cerr << "sesame: empty password refused\n";
        return 1;
    }
    auto hash = local::hashPassword(password);
    if (!hash) {
        std::cerr << "sesame: " << hash.error().message() << "\n";
        return 1;
    }
    std::cout << *hash << "\n";
    return 0;
}

int testConnector(const std::string& configFile, const std::string& directoryId,
                  const std::string& login) {
    auto configuration = load(configFile);
    if (!configuration) return 2;
    const auto& rt = *configuration->runtime;
    const auto* directory = rt.directory(directoryId);
    if (!directory) {
        std::cerr << "sesame: no directory '" << directoryId << "'; known:";
        for (const auto& d : rt.directories) std::cerr << " " << d.id;
        std::cerr << "\n";
        return 2;
    }
    boost::asio::io_context context;
    auto probe = runToCompletion(context, directory->connector->probe());
    std::cout << "directory " << directoryId << " (" << directory->type
              << "): " << (probe ? "reachable" : "UNREACHABLE: " + probe.error().message()) << "\n";
    if (!probe) return 1;
    context.restart();
    auto found = runToCompletion(context, directory->connector->lookup(login));
    if (!found) {
        std::cout << "lookup of '" << login << "': " << found.error().message() << "\n";
        return 1;
    }
    std::cout << "entry: " << found->entryName << "\nraw attributes:\n";
    for (const auto& [name, values] : found->raw.all())
        for (const auto& v : values) std::cout << "  " << name << ": " << v << "\n";
    auto identity = found->mapped;
    identity.directory = directoryId;
    auto [level, rank] = rt.policy->habilitation().compute(identity);
    identity.habilitation = level;
    identity.habilitationRank = rank;
    printIdentity(identity);
    return 0;
}

namespace {
struct StoreSession {
    boost::asio::io_context context;
    core::SystemClock clock;
    std::unique_ptr<session::RedisClient> client;
    std::unique_ptr<session::RedisSessionStore> store;

    explicit StoreSession(const session::RedisConfig& config) {
        client = std::make_unique<session::RedisClient>(context.get_executor(), config);
        auto started = client->start();
        if (!started) throw std::runtime_error("redis: " + started.error().message());
        store = std::make_unique<session::RedisSessionStore>(*client, clock);
    }
};
}  // namespace

int listSessions(const std::string& configFile, const std::string& login) {
    auto configuration = load(configFile);
    if (!configuration) return 2;
    StoreSession redis(configuration->startup.redis);
    auto task = [&]() -> boost::asio::awaitable<int> {
        auto sessions = co_await redis.store->sessionsOfUser(login);
        if (!sessions) {
            std::cerr << "sesame: redis: " << sessions.error().message() << "\n";
            redis.client->stop();
            co_return 1;
        }
        std::cout << sessions->size() << " session(s) for " << login << "\n";
        for (const auto& s : *sessions) {
            auto visits = co_await redis.store->visits(s.id);
            // Only the start of the id: the whole id is a bearer secret.
            std::cout << "  " << s.id.substr(0, 8) << "…  directory=" << s.identity.directory
                      << " profile="
                      << (s.identity.active() ? s.identity.active()->profile : std::string("-"))
                      << " since=" << core::formatUtcInstant(s.createdAt)
                      << " last_seen=" << core::formatUtcInstant(s.lastSeenAt)
                      << " services=" << (visits ? visits->size() : 0) << "\n";
        }
        redis.client->stop();
        co_return 0;
    };
    return runToCompletion(redis.context, task());
}

int revokeSessions(const std::string& configFile, const std::string& login) {
    auto configuration = load(configFile);
    if (!configuration) return 2;
    auto backChannel = http::BackChannelClient::create(configuration->startup.backChannel);
    if (!backChannel) {
        std::cerr << "sesame: back channel: " << backChannel.error().message() << "\n";
        return 2;
    }
    StoreSession redis(configuration->startup.redis);
    const auto& rt = configuration->runtime;
    core::MetricsRegistry registry;
    core::SesameMetrics metrics(registry);
    redis.store->setTimeouts(rt->session.timeouts);
    // The same endpoints as the server's, so that every protocol's single logout is sent.
    auto owned =
        makeEndpoints(EndpointContext{*rt, *redis.store, **backChannel, redis.clock, &metrics});
    std::vector<core::Endpoint*> endpoints;
    for (const auto& e : owned) endpoints.push_back(e.get());
    DelayedLogins delayed;  // unused here: no login is checked
    LoginFlow flow(rt, *redis.store, endpoints, **backChannel, metrics, redis.clock, delayed);
    auto task = [&]() -> boost::asio::awaitable<int> {
        auto sessions = co_await redis.store->sessionsOfUser(login);
        if (!sessions) {
            std::cerr << "sesame: redis: " << sessions.error().message() << "\n";
            redis.client->stop();
            co_return 1;
        }
        for (const auto& s : *sessions) {
            // The same path as "Se déconnecter": single logout, then the session goes.
            core::HttpRequest request;
            request.headers.emplace_back("cookie", rt->session.cookieName + "=" + s.id);
            (void)co_await flow.logout(request, std::string{});
        }
        std::cout << "revoked " << sessions->size() << " session(s) of " << login << "\n";
        redis.client->stop();
        co_return 0;
    };
    return runToCompletion(redis.context, task());
}

int runCommand(const std::vector<std::string>& args) {
    std::vector<std::string> positional;
    std::string config = defaultConfig;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
            config = args[++i];
        } else if (args[i] == "-h" || args[i] == "--help") {
            std::cout << usage;
            return 0;
        } else {
            positional.push_back(args[i]);
        }
    }
    auto is = [&](std::initializer_list<const char*> words) {
        if (positional.size() < words.size()) return false;
        std::size_t i = 0;
        for (const char* w : words)
            if (positional[i++] != w) return false;
        return true;
    };
    if (is({"serve"}) && positional.size() == 1) return serve(config);
    if (is({"check-config"}) && positional.size() <= 2)
        return checkConfig(positional.size() == 2 ? positional[1] : config);
    if (is({"passwd"}) && positional.size() == 1) return printPasswordHash();
    if (is({"connector", "test"}) && positional.size() == 4)
        return testConnector(config, positional[2], positional[3]);
    if (is({"sessions", "list"}) && positional.size() == 3)
        return listSessions(config, positional[2]);
    if (is({"sessions", "revoke"}) && positional.size() == 3)
        return revokeSessions(config, positional[2]);
    std::cerr << usage;
    return 2;
}

}  // namespace sesame::app
