#include "mixer.hpp"

#include <algorithm>
#include <cmath>

namespace hotline::media {
namespace {

constexpr Mixer::Frame kSilence{};

std::int16_t saturate(std::int32_t v) { return static_cast<std::int16_t>(std::clamp(v, -32768, 32767)); }

}  // namespace

Mixer::Participant* Mixer::find(Id id) {
  for (auto& p : participants_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Mixer::Participant* Mixer::find(Id id) const {
  for (const auto& p : participants_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

bool Mixer::add(Id id, bool conference) {
  if (const auto* p = find(id)) {
    if (!p->gone) return false;
    erase_gone();
  }
  const float target = conference ? 1.0f : 0.0f;
  for (auto& p : participants_) p.hears.push_back(Gain{0, p.leaving ? 0.0f : target});
  Participant joining;
  joining.id = id;
  joining.hears.resize(participants_.size() + 1);
  for (std::size_t j = 0; j < participants_.size(); ++j) {
    joining.hears[j].target = participants_[j].leaving ? 0.0f : target;
  }
  participants_.push_back(std::move(joining));  // its own gain (last) stays 0
  return true;
}

void Mixer::remove(Id id) {
  auto* p = find(id);
  if (!p || p->leaving) return;
  p->leaving = true;
  std::size_t k = index_of(*p);
  for (auto& other : participants_) other.hears[k].target = 0;
  for (auto& g : p->hears) g.target = 0;
}

bool Mixer::contains(Id id) const {
  const auto* p = find(id);
  return p && !p->leaving;  // gone implies leaving
}

std::size_t Mixer::size() const {
  return static_cast<std::size_t>(std::count_if(participants_.begin(), participants_.end(),
                                                [](const Participant& p) { return !p.leaving; }));
}

void Mixer::set_hears(Id listener, Id speaker, bool hears) {
  if (listener == speaker) return;
  auto* l = find(listener);
  const auto* s = find(speaker);
  if (!l || !s || l->leaving || s->leaving) return;
  l->hears[index_of(*s)].target = hears ? 1.0f : 0.0f;
}

bool Mixer::hears(Id listener, Id speaker) const {
  const auto* l = find(listener);
  const auto* s = find(speaker);
  if (!l || !s || listener == speaker) return false;
  return l->hears[index_of(*s)].target > 0;
}

void Mixer::put(Id id, std::span<const std::int16_t, kFrameSamples> samples) {
  auto* p = find(id);
  if (!p || p->gone) return;
  std::copy(samples.begin(), samples.end(), p->input.begin());
  p->has_input = true;
}

std::span<const std::int16_t, Mixer::kFrameSamples> Mixer::output(Id id) const {
  const auto* p = find(id);
  return p ? std::span<const std::int16_t, kFrameSamples>(p->output) : std::span<const std::int16_t, kFrameSamples>(kSilence);
}

// The listener hears every other participant at full gain, with no ramp
// under way: its mix is the total minus its own input.
bool Mixer::hears_everyone_steadily(std::size_t listener) const {
  const auto& hears = participants_[listener].hears;
  for (std::size_t j = 0; j < hears.size(); ++j) {
    if (j == listener) continue;
    if (hears[j].current != 1.0f || hears[j].target != 1.0f) return false;
  }
  return true;
}

void Mixer::erase_gone() {
  for (std::size_t k = participants_.size(); k-- > 0;) {
    if (!participants_[k].gone) continue;
    participants_.erase(participants_.begin() + static_cast<std::ptrdiff_t>(k));
    for (auto& p : participants_) p.hears.erase(p.hears.begin() + static_cast<std::ptrdiff_t>(k));
  }
}

void Mixer::mix() {
  erase_gone();
  const std::size_t n = participants_.size();
  total_.fill(0);
  for (const auto& p : participants_) {
    if (!p.has_input) continue;
    for (std::size_t k = 0; k < kFrameSamples; ++k) total_[k] += p.input[k];
  }

  constexpr float kStep = 1.0f / kFrameSamples;
  for (std::size_t i = 0; i < n; ++i) {
    auto& listener = participants_[i];
    if (hears_everyone_steadily(i)) {
      // Conference: O(1) per listener instead of O(n).
      for (std::size_t k = 0; k < kFrameSamples; ++k) {
        std::int32_t own = listener.has_input ? listener.input[k] : 0;
        listener.output[k] = saturate(total_[k] - own);
      }
      continue;
    }
    acc_.fill(0);
    for (std::size_t j = 0; j < n; ++j) {
      const auto& g = listener.hears[j];
      const auto& speaker = participants_[j];
      if (j == i || !speaker.has_input || (g.current == 0 && g.target == 0)) continue;
      if (g.current == g.target) {
        for (std::size_t k = 0; k < kFrameSamples; ++k) acc_[k] += g.current * speaker.input[k];
      } else {
        // Linear ramp across the frame, reaching the target on its last sample.
        const float delta = (g.target - g.current) * kStep;
        for (std::size_t k = 0; k < kFrameSamples; ++k) {
          acc_[k] += (g.current + delta * static_cast<float>(k + 1)) * speaker.input[k];
        }
      }
    }
    for (std::size_t k = 0; k < kFrameSamples; ++k) {
      listener.output[k] = saturate(static_cast<std::int32_t>(std::lround(acc_[k])));
    }
  }

  for (auto& p : participants_) {
    p.has_input = false;
    if (p.leaving) p.gone = true;
    for (auto& g : p.hears) g.current = g.target;
  }
}

void supervise(Mixer& mixer, Mixer::Id supervisor, Mixer::Id agent, Mixer::Id citizen, SupervisorMode mode) {
  mixer.set_hears(supervisor, agent, true);
  mixer.set_hears(supervisor, citizen, true);
  mixer.set_hears(agent, citizen, true);
  mixer.set_hears(citizen, agent, true);
  mixer.set_hears(agent, supervisor, mode != SupervisorMode::listen);
  mixer.set_hears(citizen, supervisor, mode == SupervisorMode::barge);
}

}  // namespace hotline::media
