#include "gateway/core/blocking_work.hpp"

#include <pthread.h>
#include <signal.h>

namespace sesame::core {
namespace {
std::unique_ptr<boost::asio::thread_pool> quietThreads(std::size_t count) {
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    auto pool = std::make_unique<boost::asio::thread_pool>(count);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return pool;
}
}  // namespace

BoundedPool::BoundedPool(std::size_t threads, std::size_t queueSize)
    : capacity_(std::max<std::size_t>(1, threads) + queueSize),
      threads_(quietThreads(std::max<std::size_t>(1, threads))) {}

BoundedPool::~BoundedPool() {
    threads_->join();
}

std::optional<BoundedPool::Place> BoundedPool::enter() {
    auto n = taken_.load(std::memory_order_acquire);
    do {
        if (n >= capacity_) return std::nullopt;
    } while (!taken_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
    return Place(&taken_);
}

}  // namespace sesame::core
