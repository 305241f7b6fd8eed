// The mixer with synthetic signals: who hears whom in a conference and in
// listen / whisper / barge, silence for a missing frame, saturation, and
// no click when someone joins, leaves or changes mode.
#include "../../src/media/mixer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

#include "../../src/media/tone.hpp"

using namespace hotline::media;
using Frame = Mixer::Frame;

namespace {

Frame tone(SineGenerator& gen) {
  Frame f{};
  gen.fill(f);
  return f;
}

Frame constant(std::int16_t v) {
  Frame f;
  f.fill(v);
  return f;
}

Frame sum(std::initializer_list<const Frame*> frames) {
  Frame out{};
  for (std::size_t k = 0; k < Mixer::kFrameSamples; ++k) {
    int s = 0;
    for (const auto* f : frames) s += (*f)[k];
    out[k] = static_cast<std::int16_t>(std::clamp(s, -32768, 32767));
  }
  return out;
}

Frame output(const Mixer& m, Mixer::Id id) {
  Frame f;
  auto out = m.output(id);
  std::copy(out.begin(), out.end(), f.begin());
  return f;
}

// Three parties with distinct tones (whole cycles per frame), mixed for `ticks`.
struct Three {
  Mixer mixer;
  std::map<Mixer::Id, SineGenerator> gens;
  std::map<Mixer::Id, Frame> last_input;
  Three() {
    gens.emplace(1, SineGenerator(300, -12));
    gens.emplace(2, SineGenerator(500, -12));
    gens.emplace(3, SineGenerator(700, -12));
    for (auto id : {1u, 2u, 3u}) mixer.add(id);
  }
  void tick() {
    for (auto& [id, gen] : gens) {
      last_input[id] = tone(gen);
      mixer.put(id, last_input[id]);
    }
    mixer.mix();
  }
  const Frame& in(Mixer::Id id) { return last_input[id]; }
};

}  // namespace

TEST(MediaMixer, ThreeWayConferenceEachHearsTheOtherTwo) {
  Three t;
  t.tick();  // the join ramp
  for (int i = 0; i < 5; ++i) {
    t.tick();
    EXPECT_EQ(output(t.mixer, 1), sum({&t.in(2), &t.in(3)}));
    EXPECT_EQ(output(t.mixer, 2), sum({&t.in(1), &t.in(3)}));
    EXPECT_EQ(output(t.mixer, 3), sum({&t.in(1), &t.in(2)}));
  }
  EXPECT_EQ(t.mixer.size(), 3u);
  EXPECT_TRUE(t.mixer.hears(1, 2));
  EXPECT_FALSE(t.mixer.hears(1, 1));
}

TEST(MediaMixer, SupervisorListen) {
  // 1 = agent, 2 = citizen, 3 = supervisor.
  Three t;
  supervise(t.mixer, 3, 1, 2, SupervisorMode::listen);
  t.tick();
  t.tick();
  EXPECT_EQ(output(t.mixer, 1), t.in(2));                   // agent: citizen only
  EXPECT_EQ(output(t.mixer, 2), t.in(1));                   // citizen: agent only
  EXPECT_EQ(output(t.mixer, 3), sum({&t.in(1), &t.in(2)}));  // supervisor: both
}

TEST(MediaMixer, SupervisorWhisper) {
  Three t;
  supervise(t.mixer, 3, 1, 2, SupervisorMode::whisper);
  t.tick();
  t.tick();
  EXPECT_EQ(output(t.mixer, 1), sum({&t.in(2), &t.in(3)}));  // the agent hears the coach
  EXPECT_EQ(output(t.mixer, 2), t.in(1));                    // the citizen does not
  EXPECT_EQ(output(t.mixer, 3), sum({&t.in(1), &t.in(2)}));
}

TEST(MediaMixer, SupervisorBarge) {
  Three t;
  supervise(t.mixer, 3, 1, 2, SupervisorMode::listen);
  t.tick();
  supervise(t.mixer, 3, 1, 2, SupervisorMode::barge);
  t.tick();
  t.tick();
  EXPECT_EQ(output(t.mixer, 1), sum({&t.in(2), &t.in(3)}));
  EXPECT_EQ(output(t.mixer, 2), sum({&t.in(1), &t.in(3)}));
  EXPECT_EQ(output(t.mixer, 3), sum({&t.in(1), &t.in(2)}));
}

TEST(MediaMixer, MissingFrameIsSilence) {
  Three t;
  t.tick();
  SineGenerator g(300, -12);
  Frame a = tone(g);
  Frame c = constant(1000);
  t.mixer.put(1, a);
  t.mixer.put(3, c);  // 2 sent nothing this tick
  t.mixer.mix();
  EXPECT_EQ(output(t.mixer, 1), c);
  EXPECT_EQ(output(t.mixer, 2), sum({&a, &c}));
  EXPECT_EQ(output(t.mixer, 3), a);
  t.mixer.mix();  // nobody sent anything
  EXPECT_EQ(output(t.mixer, 2), Frame{});
}

TEST(MediaMixer, SumsSaturate) {
  Mixer m;
  m.add(1);
  m.add(2);
  m.add(3);
  m.mix();
  m.put(1, constant(30000));
  m.put(2, constant(30000));
  m.put(3, constant(-30000));
  m.mix();
  EXPECT_EQ(output(m, 3), constant(32767));
  EXPECT_EQ(output(m, 1), constant(0));
  m.put(1, constant(-30000));
  m.put(2, constant(-30000));
  m.mix();
  EXPECT_EQ(output(m, 3), constant(-32768));
}

TEST(MediaMixer, UnknownIdsAreHarmless) {
  Mixer m;
  EXPECT_EQ(output(m, 42), Frame{});
  m.put(42, constant(5));
  m.set_hears(42, 43, true);
  m.remove(42);
  m.mix();
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.add(1));
  EXPECT_FALSE(m.add(1));
}

namespace {

// Largest sample-to-sample step in a run of frames.
int max_step(const std::vector<Frame>& frames, int previous) {
  int worst = 0;
  for (const auto& f : frames) {
    for (auto s : f) {
      worst = std::max(worst, std::abs(s - previous));
      previous = s;
    }
  }
  return worst;
}

}  // namespace

TEST(MediaMixer, JoinAndLeaveRampWithoutClicks) {
  // 1 and 2 talk; 3 sends a loud constant (DC is the worst case for a
  // click: without a ramp its arrival is one step of its full value).
  Mixer m;
  m.add(1);
  m.add(2);
  const Frame loud = constant(20000);
  const Frame quiet = constant(100);
  for (int i = 0; i < 3; ++i) {
    m.put(1, quiet);
    m.put(2, quiet);
    m.mix();
  }
  std::vector<Frame> heard_by_1;
  m.add(3);
  for (int i = 0; i < 3; ++i) {
    m.put(1, quiet);
    m.put(2, quiet);
    m.put(3, loud);
    m.mix();
    heard_by_1.push_back(output(m, 1));
  }
  EXPECT_EQ(heard_by_1.back(), constant(20100));  // fully in after one frame
  // One frame of ramp: at most 20000 / 160 = 125 per sample.
  EXPECT_LE(max_step(heard_by_1, 100), 126);

  std::vector<Frame> after;
  m.remove(3);
  EXPECT_FALSE(m.contains(3));
  for (int i = 0; i < 3; ++i) {
    m.put(1, quiet);
    m.put(2, quiet);
    m.put(3, loud);  // still sending while it leaves
    m.mix();
    after.push_back(output(m, 1));
  }
  EXPECT_EQ(after.back(), constant(100));
  EXPECT_LE(max_step(after, 20100), 126);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_TRUE(m.add(3));  // may come back
}

TEST(MediaMixer, ModeChangesRampToo) {
  Mixer m;
  for (auto id : {1u, 2u, 3u}) m.add(id);
  supervise(m, 3, 1, 2, SupervisorMode::listen);
  const Frame agent = constant(50), citizen = constant(-50), supervisor = constant(16000);
  auto tick = [&] {
    m.put(1, agent);
    m.put(2, citizen);
    m.put(3, supervisor);
    m.mix();
  };
  tick();
  tick();
  EXPECT_EQ(output(m, 2), agent);
  std::vector<Frame> citizen_hears;
  supervise(m, 3, 1, 2, SupervisorMode::barge);
  for (int i = 0; i < 2; ++i) {
    tick();
    citizen_hears.push_back(output(m, 2));
  }
  EXPECT_EQ(citizen_hears.back(), constant(16050));
  EXPECT_LE(max_step(citizen_hears, 50), 101);  // 16000 / 160
  std::vector<Frame> back;
  supervise(m, 3, 1, 2, SupervisorMode::listen);
  for (int i = 0; i < 2; ++i) {
    tick();
    back.push_back(output(m, 2));
  }
  EXPECT_EQ(back.back(), agent);
  EXPECT_LE(max_step(back, 16050), 101);
}

TEST(MediaMixer, LargeConferenceUsesTotalMinusOwn) {
  Mixer m;
  const int n = 20;
  for (int i = 1; i <= n; ++i) m.add(static_cast<Mixer::Id>(i));
  for (int round = 0; round < 2; ++round) {
    for (int i = 1; i <= n; ++i) m.put(static_cast<Mixer::Id>(i), constant(static_cast<std::int16_t>(i * 10)));
    m.mix();
  }
  const int total = 10 * n * (n + 1) / 2;
  for (int i = 1; i <= n; ++i) EXPECT_EQ(output(m, static_cast<Mixer::Id>(i)), constant(static_cast<std::int16_t>(total - i * 10)));
}
