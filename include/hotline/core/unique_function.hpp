#pragma once
// A move-only std::function replacement: completion handlers (and the jobs that
// carry them) are move-only, which std::function cannot hold. C++23 has
// std::move_only_function; this is the part of it we need under C++20.
#include <memory>
#include <type_traits>
#include <utility>

namespace hotline {

template <class Signature>
class UniqueFunction;

template <class R, class... Args>
class UniqueFunction<R(Args...)> {
 public:
  UniqueFunction() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, UniqueFunction>>>
  UniqueFunction(F&& f) : impl_(std::make_unique<Model<std::decay_t<F>>>(std::forward<F>(f))) {}

  R operator()(Args... args) { return impl_->call(std::forward<Args>(args)...); }
  explicit operator bool() const noexcept { return impl_ != nullptr; }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual R call(Args... args) = 0;
  };
  template <class F>
  struct Model final : Concept {
    explicit Model(F&& f) : fn(std::move(f)) {}
    explicit Model(const F& f) : fn(f) {}
    R call(Args... args) override { return fn(std::forward<Args>(args)...); }
    F fn;
  };
  std::unique_ptr<Concept> impl_;
};

}  // namespace hotline
