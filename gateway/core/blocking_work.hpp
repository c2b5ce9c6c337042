#pragma once
// Work that blocks (a synchronous libldap call, an argon2 verification) runs on a thread pool of
// its own, never on an event-loop thread: the caller co_awaits it and is resumed on its own
// executor once the work is done.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace sesame::core {

// Not a coroutine itself, on purpose: the work (a closure that owns copies of its arguments, so
// that nothing it reads can be freed under it) travels inside plain handlers. g++ 12 destroys
// closures passed by value as coroutine parameters twice (GCC PR 99576 family).
template <class R, class F>
auto runOn(boost::asio::thread_pool& pool, F work) {
    return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(R)>(
        [&pool](auto handler, F work) {
            auto caller = boost::asio::get_associated_executor(handler);
            boost::asio::post(
                pool, [handler = std::move(handler), work = std::move(work), caller]() mutable {
                    R result = work();
                    boost::asio::post(caller, [handler = std::move(handler),
                                               result = std::move(result)]() mutable {
                        std::move(handler)(std::move(result));
                    });
                });
        },
        boost::asio::use_awaitable, std::move(work));
}

}  // namespace sesame::core
