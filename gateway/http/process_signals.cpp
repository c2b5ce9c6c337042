#include "gateway/http/process_signals.hpp"

#include <csignal>

namespace sesame::http {

ProcessSignals::ProcessSignals(boost::asio::io_context& context,
                               std::function<void(int)> onTerminate, std::function<void()> onReload)
    : terminate_(context, SIGTERM, SIGINT),
      reload_(context, SIGHUP),
      onTerminate_(std::move(onTerminate)),
      onReload_(std::move(onReload)) {
    awaitTerminate();
    awaitReload();
}

void ProcessSignals::cancel() {
    boost::system::error_code ec;
    terminate_.cancel(ec);
    reload_.cancel(ec);
}

void ProcessSignals::awaitTerminate() {
    terminate_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (onTerminate_) onTerminate_(signal);
        awaitTerminate();
    });
}

void ProcessSignals::awaitReload() {
    reload_.async_wait([this](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (onReload_) onReload_();
        awaitReload();
    });
}

}  // namespace sesame::http
