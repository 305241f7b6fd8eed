#pragma once
// Bridges WorkQueue jobs to Asio completion tokens: a coroutine on an io thread
// co_awaits run_on(queue, fn, use_awaitable); fn runs on the queue's thread and
// the coroutine resumes on its own executor with fn's value or exception.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <variant>

#include "hotline/core/error.hpp"
#include "hotline/core/work_queue.hpp"

namespace hotline {
namespace async_detail {

template <class R>
using Outcome = std::conditional_t<std::is_void_v<R>, std::monostate, R>;

template <class F, class Context>
auto invoke(F& fn, Context& context) {
  using R = std::invoke_result_t<F&, Context&>;
  if constexpr (std::is_void_v<R>) {
    fn(context);
    return std::monostate{};
  } else {
    return fn(context);
  }
}

template <class Handler, class Value>
void complete(Handler handler, std::exception_ptr error, Value value) {
  auto ex = boost::asio::get_associated_executor(handler);
  boost::asio::post(ex, [handler = std::move(handler), error, value = std::move(value)]() mutable {
    std::move(handler)(error, std::move(value));
  });
}

}  // namespace async_detail

// NOTE: with GCC 12 and Boost 1.74, the arguments of an initiation that
// use_awaitable carries into its coroutine frame are relocated bitwise, which
// corrupts any object that points into itself (a std::string's small buffer,
// captured by a job lambda). Only a raw pointer crosses that boundary; the
// initiation takes ownership back at once. Store::write does the same.
// NOTE: GCC 12 also mishandles a closure temporary passed *by value* from a
// co_await expression (the parameter is built as a bitwise copy): so jobs are
// taken by forwarding reference and moved to the heap here, in plain code.
template <class F>
std::decay_t<F>* hand_over(F&& fn) {
  return std::make_unique<std::decay_t<F>>(std::forward<F>(fn)).release();
}

template <class Context, class Fn, class Token>
auto run_on(WorkQueue<Context>& queue, Fn&& job_fn, Token&& token) {
  using F = std::decay_t<Fn>;
  using R = async_detail::Outcome<std::invoke_result_t<F&, Context&>>;
  return boost::asio::async_initiate<Token, void(std::exception_ptr, R)>(
      [&queue](auto handler, F* raw) {
        std::unique_ptr<F> owned(raw);
        F fn = std::move(*owned);
        using Handler = decltype(handler);
        auto shared = std::make_shared<std::optional<Handler>>(std::move(handler));
        typename WorkQueue<Context>::Job job = [fn = std::move(fn), shared](Context& context) mutable {
          try {
            auto value = async_detail::invoke(fn, context);
            async_detail::complete(std::move(**shared), nullptr, std::move(value));
          } catch (...) {
            async_detail::complete(std::move(**shared), std::current_exception(), R{});
          }
        };
        if (!queue.push(job)) {
          async_detail::complete(std::move(**shared),
                                 std::make_exception_ptr(Error(Errc::unavailable, "shutting down")), R{});
        }
      },
      token, hand_over(std::forward<Fn>(job_fn)));
}

// Runs fn() on `executor` (a strand that owns some state) and completes the
// token on its own executor with fn's value or exception: how a coroutine on
// an io thread asks the ACD strand or the SIP strand something.
template <class Executor, class Fn, class Token>
auto run_in(Executor executor, Fn&& job_fn, Token&& token) {
  using F = std::decay_t<Fn>;
  using R = async_detail::Outcome<std::invoke_result_t<F&>>;
  return boost::asio::async_initiate<Token, void(std::exception_ptr, R)>(
      [executor](auto handler, F* raw) {
        std::unique_ptr<F> owned(raw);  // see hand_over()
        using Handler = decltype(handler);
        auto shared = std::make_shared<std::optional<Handler>>(std::move(handler));
        auto fn = std::make_shared<F>(std::move(*owned));
        boost::asio::post(executor, [fn, shared]() {
          try {
            if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
              (*fn)();
              async_detail::complete(std::move(**shared), nullptr, R{});
            } else {
              auto value = (*fn)();
              async_detail::complete(std::move(**shared), nullptr, std::move(value));
            }
          } catch (...) {
            async_detail::complete(std::move(**shared), std::current_exception(), R{});
          }
        });
      },
      token, hand_over(std::forward<Fn>(job_fn)));
}

}  // namespace hotline
