#pragma once
// Work that blocks (a synchronous libldap call, an argon2 verification) runs on a thread pool of
// its own, never on an event-loop thread: the caller co_awaits it and is resumed on its own
// executor once the work is done.
#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "gateway/core/metrics.hpp"

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

// The threads of one directory with a bounded queue in front: `threads` checks at once, at most
// `queueSize` more waiting. A login is refused at once when the pool is full() before anything
// slow is done for it (throttling counters in Redis, a throttling delay, a bind), so that a storm
// turns into "try again in a few seconds" instead of a queue whose last entries time out anyway;
// it takes its Place just before its check, and is refused the same way if the pool filled in
// between (gateway/app login flow).
// Threads start with every signal blocked: a write to a socket a directory closed gives EPIPE,
// not a SIGPIPE that ends the process, and SIGTERM/SIGHUP stay with the threads handling them.
class BoundedPool {
  public:
    // One admitted login; gives its place back when destroyed.
    class Place {
      public:
        Place(Place&& other) noexcept : taken_(std::exchange(other.taken_, nullptr)) {}
        Place& operator=(Place&&) = delete;
        ~Place() {
            if (taken_) taken_->fetch_sub(1, std::memory_order_acq_rel);
        }

      private:
        friend class BoundedPool;
        explicit Place(std::atomic<std::size_t>* taken) : taken_(taken) {}
        std::atomic<std::size_t>* taken_;
    };

    BoundedPool(std::size_t threads, std::size_t queueSize);
    ~BoundedPool();  // waits for the work in flight, unless stop() did already
    BoundedPool(const BoundedPool&) = delete;
    BoundedPool& operator=(const BoundedPool&) = delete;

    // Waits for the work in flight (bounded by the directory's timeouts) and drops the work that
    // no thread took, here. The work reports to its callers' event loops: a process stops its
    // pools before it destroys those loops, so that no completion is ever posted to a freed
    // io_context. Not from one of the pool's own threads; run() and post() must not follow.
    void stop();
    // A place, or nothing when threads + queueSize logins hold one already.
    std::optional<Place> enter();
    bool full() const { return taken_.load(std::memory_order_acquire) >= capacity_; }
    std::size_t capacity() const { return capacity_; }
    std::size_t taken() const { return taken_.load(std::memory_order_acquire); }

    // Where the depth (work waiting for a thread) and the waits are reported; set by gateway/app
    // once the metric families exist (nullptr: not reported). Callable from any thread.
    void report(GaugeFamily::Series* depth, HistogramFamily::Series* wait) {
        depth_.store(depth, std::memory_order_release);
        wait_.store(wait, std::memory_order_release);
    }

    // Work nobody waits for (a warm-up), outside the places.
    template <class F>
    void post(F work) {
        boost::asio::post(*threads_, std::move(work));
    }

    // runOn, counting the work as waiting until a thread takes it.
    template <class R, class F>
    auto run(F work) {
        auto* depth = depth_.load(std::memory_order_acquire);
        auto* wait = wait_.load(std::memory_order_acquire);
        if (depth) depth->add(1);
        auto timed = [depth, wait, queuedAt = std::chrono::steady_clock::now(),
                      work = std::move(work)]() mutable -> R {
            if (depth) depth->add(-1);
            if (wait)
                wait->observe(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - queuedAt)
                        .count());
            return work();
        };
        return runOn<R>(*threads_, std::move(timed));
    }

  private:
    std::size_t capacity_;
    std::atomic<std::size_t> taken_{0};
    std::atomic<GaugeFamily::Series*> depth_{nullptr};
    std::atomic<HistogramFamily::Series*> wait_{nullptr};
    std::unique_ptr<boost::asio::thread_pool> threads_;
};

}  // namespace sesame::core
