#pragma once
// Work that blocks (a synchronous libldap call, an argon2 verification) runs on a thread pool of
// its own, never on an event-loop thread: the caller co_awaits it and resumes on its own executor
// (co_spawn completes through the caller's use_awaitable handler, which dispatches back to it).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace sesame::core {

template <class R, class F>
boost::asio::awaitable<R> runOn(boost::asio::thread_pool& pool, F work) {
    co_return co_await boost::asio::co_spawn(
        pool.get_executor(),
        [work = std::move(work)]() mutable -> boost::asio::awaitable<R> { co_return work(); },
        boost::asio::use_awaitable);
}

}  // namespace sesame::core
