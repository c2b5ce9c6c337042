// The bounded queue in front of a directory's threads (gateway/core/blocking_work.hpp): how many
// logins it lets in, that a place comes back when its login is done, and what /metrics sees.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/core/blocking_work.hpp"

namespace core = sesame::core;

TEST_CASE("a pool lets in its threads and its queue, no more, and takes places back", "[unit]") {
    core::BoundedPool pool(2, 3);
    CHECK(pool.capacity() == 5);
    std::vector<core::BoundedPool::Place> places;
    for (int i = 0; i < 5; ++i) {
        auto place = pool.enter();
        REQUIRE(place);
        places.push_back(std::move(*place));
    }
    CHECK(pool.full());
    CHECK_FALSE(pool.enter());
    places.pop_back();
    CHECK_FALSE(pool.full());
    CHECK(pool.enter());  // taken and given back at once
    CHECK(pool.taken() == 4);
    places.clear();
    CHECK(pool.taken() == 0);
}

TEST_CASE("a queue of zero still lets one login per thread in", "[unit]") {
    core::BoundedPool pool(1, 0);
    auto place = pool.enter();
    REQUIRE(place);
    CHECK_FALSE(pool.enter());
}

TEST_CASE("work waiting for a thread is counted as the queue's depth and its wait observed",
          "[unit]") {
    core::MetricsRegistry registry;
    core::SesameMetrics metrics(registry);
    auto& depth = metrics.passwordQueueDepth.series({"academie"});
    core::BoundedPool pool(1, 4);
    pool.report(&depth, &metrics.passwordQueueWait.series({"academie"}));

    // The only thread is held until the test lets it go: the next checks wait behind it.
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false, holding = false;
    boost::asio::io_context caller;
    auto block = [&] {
        std::unique_lock lock(mutex);
        holding = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        return 0;
    };
    auto quick = [] { return 1; };
    std::vector<std::future<int>> results;
    results.push_back(boost::asio::co_spawn(caller, pool.run<int>(block), boost::asio::use_future));
    for (int i = 0; i < 3; ++i)
        results.push_back(
            boost::asio::co_spawn(caller, pool.run<int>(quick), boost::asio::use_future));
    // The caller's loop starts the four (in order) on a thread of its own.
    std::thread loop([&] { caller.run(); });
    {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return holding; });
    }
    // The three behind it are posted by the loop thread once it reaches them.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (depth.value() < 3 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::yield();
    CHECK(depth.value() == 3);
    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    loop.join();
    int sum = 0;
    for (auto& r : results) sum += r.get();
    CHECK(sum == 3);
    CHECK(depth.value() == 0);
    auto text = registry.render();
    CHECK(text.find("sesame_password_queue_wait_seconds_count{directory=\"academie\"} 4") !=
          std::string::npos);
    CHECK(text.find("sesame_password_queue_depth{directory=\"academie\"} 0") != std::string::npos);
}
