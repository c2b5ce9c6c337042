#pragma once
// Signals of a long-running Sesame process, handled on an io_context (never in a signal
// handler): SIGTERM and SIGINT ask for a graceful stop, SIGHUP for a configuration reload.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>

namespace sesame::http {

class ProcessSignals {
  public:
    // `onTerminate` gets the signal number (SIGTERM or SIGINT); both callbacks run on `context`
    // and stay armed for every further signal.
    ProcessSignals(boost::asio::io_context& context, std::function<void(int)> onTerminate,
                   std::function<void()> onReload);
    void cancel();  // lets `context` run out of work

  private:
    void awaitTerminate();
    void awaitReload();

    boost::asio::signal_set terminate_;
    boost::asio::signal_set reload_;
    std::function<void(int)> onTerminate_;
    std::function<void()> onReload_;
};

}  // namespace sesame::http
