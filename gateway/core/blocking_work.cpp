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
    if (!threads_) return;
    if (threads_->get_executor().running_in_this_thread()) {
        // The last user of the directory let go of it on one of its own threads: joining would
        // wait for that very thread. The threads leave once this work returns; the pool they
        // return to is left allocated (a few hundred bytes, once), never freed under them.
        threads_->stop();
        (void)threads_.release();
        return;
    }
    threads_->join();
}

void BoundedPool::stop() {
    if (!threads_) return;
    threads_->stop();
    threads_->join();
    threads_.reset();  // destroys, on this thread, the work that never started
}

std::optional<BoundedPool::Place> BoundedPool::enter() {
    auto n = taken_.load(std::memory_order_acquire);
    do {
        if (n >= capacity_) return std::nullopt;
    } while (!taken_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel));
    return Place(&taken_);
}

}  // namespace sesame::core
