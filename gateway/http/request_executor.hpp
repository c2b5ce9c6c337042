#pragma once
// An executor that carries the request id. Log lines find the id in a thread-local
// (core::setCurrentRequestId), but a worker thread interleaves many request coroutines: each
// time one of them resumes after a co_await, another may have run in between. Running the
// handler's coroutine on this executor sets the id again before every resumption, so every log
// line of a request carries its own id without the handler doing anything.
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <memory>
#include <string>
#include <utility>

#include "gateway/core/log.hpp"

namespace sesame::http {

template <class Inner>
class RequestExecutor {
  public:
    RequestExecutor(Inner inner, std::shared_ptr<const std::string> requestId)
        : inner_(std::move(inner)), requestId_(std::move(requestId)) {}

    template <class Function>
    void execute(Function&& f) const {
        inner_.execute([f = std::forward<Function>(f), id = requestId_]() mutable {
            core::setCurrentRequestId(*id);
            std::move(f)();
        });
    }

    template <class Property>
    auto query(const Property& p) const noexcept
        -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
        return boost::asio::query(inner_, p);
    }

    template <class Property>
    auto require(const Property& p) const -> RequestExecutor<
        std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
        return {boost::asio::require(inner_, p), requestId_};
    }

    template <class Property>
    auto prefer(const Property& p) const -> RequestExecutor<
        std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
        return {boost::asio::prefer(inner_, p), requestId_};
    }

    friend bool operator==(const RequestExecutor& a, const RequestExecutor& b) noexcept {
        return a.inner_ == b.inner_ && a.requestId_ == b.requestId_;
    }
    friend bool operator!=(const RequestExecutor& a, const RequestExecutor& b) noexcept {
        return !(a == b);
    }

  private:
    template <class>
    friend class RequestExecutor;
    Inner inner_;
    std::shared_ptr<const std::string> requestId_;
};

}  // namespace sesame::http
