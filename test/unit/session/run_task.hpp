#pragma once
// Runs a coroutine to completion on a test's io_context. The io_context keeps other work (the
// Redis client's background loops) alive, so run it one handler at a time until `task` is done.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace sesame::test {

template <class T>
T runTask(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
        failure = e;
        if (!e) result.emplace(std::move(value));
    });
    io.restart();
    while (!result && !failure) io.run_one();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
}

}  // namespace sesame::test
