// RFC 4733 telephone-event: the payload, the receiver's exactly-once
// digits under loss, duplication, reordering, long presses and wrap-around,
// and the sender's packet sequence.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "../../src/media/telephone_event.hpp"
#include "../../src/media/telephone_event_receiver.hpp"
#include "../../src/media/telephone_event_sender.hpp"

using namespace hotline::media;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Recorder final : DtmfListener {
  std::string begun;
  std::vector<DtmfEvent> events;
  void on_dtmf_begin(char digit, DtmfSource source) override {
    EXPECT_EQ(source, DtmfSource::rfc4733);
    begun += digit;
  }
  void on_dtmf(const DtmfEvent& e) override { events.push_back(e); }
  std::string digits() const {
    std::string s;
    for (const auto& e : events) s += e.digit;
    return s;
  }
};

// A telephone-event payload as it is on the wire.
std::vector<std::uint8_t> payload(std::uint8_t event, bool end, std::uint16_t duration, std::uint8_t volume = 10) {
  return {event, static_cast<std::uint8_t>((end ? 0x80 : 0) | volume), static_cast<std::uint8_t>(duration >> 8),
          static_cast<std::uint8_t>(duration)};
}

struct Feed {
  TelephoneEventReceiver& rx;
  Clock::time_point t0 = Clock::time_point{} + 1h;
  std::uint32_t ssrc = 0x11223344;
  std::uint16_t seq = 1000;
  // Sends one report `ms` after t0 with the next sequence number.
  bool operator()(int ms, std::uint32_t ts, std::uint8_t event, bool end, std::uint16_t duration, bool marker = false) {
    return rx.on_packet(ssrc, seq++, ts, marker, payload(event, end, duration), t0 + std::chrono::milliseconds(ms));
  }
};

}  // namespace

TEST(MediaTelephoneEvent, ParsesAndBuildsThePayload) {
  // Digit 5, end bit, volume 10, duration 800 (100 ms at 8 kHz).
  const std::uint8_t bytes[] = {0x05, 0x8A, 0x03, 0x20};
  auto e = parse_telephone_event(bytes);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, 5);
  EXPECT_TRUE(e->end);
  EXPECT_EQ(e->volume, 10);
  EXPECT_EQ(e->duration, 800);
  auto built = build_telephone_event(*e);
  EXPECT_EQ(std::vector<std::uint8_t>(built.begin(), built.end()), std::vector<std::uint8_t>(bytes, bytes + 4));

  // The R bit is ignored; a trailing extra report is ignored; short payloads fail.
  const std::uint8_t reserved[] = {0x0B, 0x4A, 0x00, 0xA0, 0xFF, 0xFF, 0xFF, 0xFF};
  auto r = parse_telephone_event(reserved);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->event, 11);
  EXPECT_FALSE(r->end);
  EXPECT_EQ(r->volume, 10);
  EXPECT_EQ(r->duration, 160);
  const std::uint8_t shorter[] = {0x05, 0x8A, 0x03};
  EXPECT_FALSE(parse_telephone_event(shorter));
  EXPECT_FALSE(parse_telephone_event({}));
}

TEST(MediaTelephoneEvent, DigitCodes) {
  EXPECT_EQ(dtmf_digit_of_event(0), '0');
  EXPECT_EQ(dtmf_digit_of_event(9), '9');
  EXPECT_EQ(dtmf_digit_of_event(10), '*');
  EXPECT_EQ(dtmf_digit_of_event(11), '#');
  EXPECT_EQ(dtmf_digit_of_event(15), 'D');
  EXPECT_EQ(dtmf_digit_of_event(16), 0);  // flash is not a digit
  EXPECT_EQ(dtmf_event_of_digit('c'), 14);
  EXPECT_EQ(dtmf_event_of_digit('x'), -1);
  EXPECT_EQ(dtmf_event_of_digit(0), -1);
}

TEST(MediaTelephoneEvent, StartContinueAndThreeEndsMakeOneDigit) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  const std::uint32_t ts = 160000;
  EXPECT_TRUE(send(0, ts, 1, false, 0, true));  // key down, marker
  EXPECT_EQ(out.begun, "1");
  EXPECT_TRUE(rx.in_digit());
  EXPECT_TRUE(send(50, ts, 1, false, 400));
  EXPECT_TRUE(send(100, ts, 1, false, 800));
  EXPECT_TRUE(send(150, ts, 1, false, 1200));
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(send(160, ts, 1, true, 1280));  // key up
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_FALSE(send(210, ts, 1, true, 1280));  // the two retransmissions
  EXPECT_FALSE(send(260, ts, 1, true, 1280));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.begun, "1");
  const auto& e = out.events[0];
  EXPECT_EQ(e.digit, '1');
  EXPECT_EQ(e.rtp_timestamp, ts);
  EXPECT_EQ(e.duration_ms, 160u);
  EXPECT_EQ(e.start, send.t0);
  EXPECT_EQ(e.source, DtmfSource::rfc4733);
  EXPECT_FALSE(rx.in_digit());
}

TEST(MediaTelephoneEvent, DuplicatedPacketsChangeNothing) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  const auto t0 = Clock::time_point{} + 1h;
  auto start = payload(7, false, 0);
  auto end = payload(7, true, 800);
  rx.on_packet(1, 10, 5000, true, start, t0);
  rx.on_packet(1, 10, 5000, true, start, t0 + 1ms);  // the network duplicated it
  rx.on_packet(1, 11, 5000, false, end, t0 + 100ms);
  rx.on_packet(1, 11, 5000, false, end, t0 + 101ms);
  rx.on_packet(1, 12, 5000, false, end, t0 + 150ms);
  EXPECT_EQ(out.begun, "7");
  EXPECT_EQ(out.digits(), "7");
  EXPECT_EQ(out.events[0].duration_ms, 100u);
}

TEST(MediaTelephoneEvent, LostStartPacketsStartTheDigitAtTheFirstReport) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  // Key-down and the first update were lost: the first report says 100 ms already.
  EXPECT_TRUE(send(100, 8000, 9, false, 800));
  EXPECT_EQ(out.begun, "9");
  EXPECT_TRUE(send(150, 8000, 9, true, 1200));
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].start, send.t0);  // placed back by the reported duration
  EXPECT_EQ(out.events[0].rtp_timestamp, 8000u);
  EXPECT_EQ(out.events[0].duration_ms, 150u);
}

TEST(MediaTelephoneEvent, OnlyTheEndPacketArrived) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  EXPECT_TRUE(send(120, 400, 11, true, 960));
  EXPECT_EQ(out.begun, "#");
  EXPECT_EQ(out.digits(), "#");
  EXPECT_EQ(out.events[0].duration_ms, 120u);
  EXPECT_FALSE(send(170, 400, 11, true, 960));
  EXPECT_EQ(out.digits(), "#");
}

TEST(MediaTelephoneEvent, LostEndPacketsEndTheDigitAtTheNextEvent) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  send(0, 1000, 4, false, 0, true);
  send(50, 1000, 4, false, 400);
  // All three ends of '4' lost; '5' begins.
  send(300, 3400, 5, false, 0, true);
  ASSERT_EQ(out.digits(), "4");
  EXPECT_EQ(out.events[0].duration_ms, 50u);  // the last duration we heard of
  send(350, 3400, 5, true, 400);
  EXPECT_EQ(out.digits(), "45");
  EXPECT_EQ(out.begun, "45");
}

TEST(MediaTelephoneEvent, LostEndPacketsEndTheDigitAfterTheTimeout) {
  Recorder out;
  TelephoneEventReceiver rx(out, {8000, 400ms});
  Feed send{rx};
  send(0, 1000, 3, false, 0, true);
  send(50, 1000, 3, false, 400);
  rx.poll(send.t0 + 449ms);
  EXPECT_TRUE(out.events.empty());
  rx.poll(send.t0 + 450ms);
  ASSERT_EQ(out.digits(), "3");
  EXPECT_EQ(out.events[0].duration_ms, 50u);
  // Its late end packets are not a new digit.
  EXPECT_FALSE(send(500, 1000, 3, true, 800));
  EXPECT_EQ(out.digits(), "3");
  EXPECT_EQ(out.begun, "3");
}

TEST(MediaTelephoneEvent, TimestampWrapAround) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  const std::uint32_t first = 0xFFFFFE00;  // 512 units before the wrap
  send(0, first, 1, false, 0, true);
  send(50, first, 1, false, 400);
  send(100, first, 1, true, 800);  // the event itself runs across the wrap
  send(110, first, 1, true, 800);
  send(120, first, 1, true, 800);
  const std::uint32_t second = first + 2400;  // wrapped: 0x00000760
  ASSERT_EQ(second, 0x760u);
  send(300, second, 2, false, 0, true);
  send(400, second, 2, true, 800);
  send(410, second, 2, true, 800);
  ASSERT_EQ(out.digits(), "12");
  EXPECT_EQ(out.events[0].rtp_timestamp, first);
  EXPECT_EQ(out.events[1].rtp_timestamp, second);
  EXPECT_EQ(out.events[1].duration_ms, 100u);
}

TEST(MediaTelephoneEvent, SequenceNumberWrapAround) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  send.seq = 65534;
  send(0, 100, 6, false, 0, true);   // 65534
  send(50, 100, 6, true, 400);       // 65535
  send(60, 100, 6, true, 400);       // 0
  send(70, 100, 6, true, 400);       // 1
  send(200, 2000, 8, true, 400);     // 2: a new event after the wrap is not "stale"
  EXPECT_EQ(out.digits(), "68");
}

TEST(MediaTelephoneEvent, SameDigitTwiceIsTwoDigits) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  for (std::uint32_t ts : {1000u, 3000u}) {
    send(0, ts, 0, false, 0, true);
    send(0, ts, 0, true, 800);
    send(0, ts, 0, true, 800);
    send(0, ts, 0, true, 800);
  }
  EXPECT_EQ(out.digits(), "00");
  EXPECT_EQ(out.begun, "00");
}

TEST(MediaTelephoneEvent, LatePacketsOfAnEarlierEventAreDropped) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  const auto t0 = Clock::time_point{} + 1h;
  // '1' at ts 1000: seq 1 (start) arrives, seq 2-4 (its ends) are delayed
  // past the start of '2' at ts 3000 (seq 5).
  rx.on_packet(9, 1, 1000, true, payload(1, false, 0), t0);
  rx.on_packet(9, 5, 3000, true, payload(2, false, 0), t0 + 300ms);
  EXPECT_FALSE(rx.on_packet(9, 2, 1000, false, payload(1, true, 800), t0 + 301ms));
  EXPECT_FALSE(rx.on_packet(9, 3, 1000, false, payload(1, true, 800), t0 + 302ms));
  // A reordered update of the current event (older sequence) does not shrink it.
  rx.on_packet(9, 7, 3000, false, payload(2, false, 800), t0 + 400ms);
  rx.on_packet(9, 6, 3000, false, payload(2, false, 400), t0 + 401ms);
  rx.on_packet(9, 8, 3000, false, payload(2, true, 880), t0 + 410ms);
  EXPECT_EQ(out.digits(), "12");
  EXPECT_EQ(out.begun, "12");
  EXPECT_EQ(out.events[1].duration_ms, 110u);
  // A report that starts nothing new and is older than everything: dropped.
  EXPECT_FALSE(rx.on_packet(9, 4, 2000, false, payload(5, false, 400), t0 + 500ms));
  EXPECT_EQ(out.begun, "12");
}

TEST(MediaTelephoneEvent, LongPressSplitIntoSegments) {
  // §2.5.1.3: past 0xFFFF units the sender starts a new segment at
  // timestamp + 0xFFFF, without an end bit on the first one.
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  const std::uint32_t ts = 0xFFFF0000;  // and the segments cross the timestamp wrap
  send(0, ts, 10, false, 0, true);
  int ms = 0;
  for (std::uint32_t d = 400; d < 0xFFFF; d += 400) send(ms += 50, ts, 10, false, static_cast<std::uint16_t>(d));
  send(ms += 1, ts, 10, false, 0xFFFF);
  send(ms += 1, ts, 10, false, 0xFFFF);  // the final report of a segment is repeated too
  const std::uint32_t ts2 = ts + 0xFFFF;
  send(ms += 50, ts2, 10, false, 400);
  EXPECT_FALSE(send(ms += 1, ts, 10, false, 0xFFFF));  // a late repeat of the first segment
  send(ms += 50, ts2, 10, true, 8000);
  send(ms += 50, ts2, 10, true, 8000);
  ASSERT_EQ(out.digits(), "*");
  EXPECT_EQ(out.begun, "*");
  EXPECT_EQ(out.events[0].rtp_timestamp, ts);
  EXPECT_EQ(out.events[0].duration_ms, (0xFFFFu + 8000u) / 8);
}

TEST(MediaTelephoneEvent, LongPressWithTheDurationWrappingInPlace) {
  // Some senders keep the timestamp and let the 16-bit duration wrap.
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  send(0, 500, 12, false, 0, true);
  send(50, 500, 12, false, 0xFE00);
  send(100, 500, 12, false, 0x0070);  // 0x10070 really
  send(150, 500, 12, true, 0x0200);
  ASSERT_EQ(out.digits(), "A");
  EXPECT_EQ(out.events[0].duration_ms, (0x10000u + 0x200u) / 8);
}

TEST(MediaTelephoneEvent, NewSsrcIsANewStream) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  const auto t0 = Clock::time_point{} + 1h;
  rx.on_packet(1, 500, 1000, true, payload(1, false, 0), t0);
  // The peer re-INVITEd and restarted its stream: lower sequence, other SSRC.
  rx.on_packet(2, 10, 1000, true, payload(2, false, 0), t0 + 200ms);
  rx.on_packet(2, 11, 1000, false, payload(2, true, 400), t0 + 250ms);
  EXPECT_EQ(out.digits(), "12");
}

TEST(MediaTelephoneEvent, NonDigitEventsAndGarbageAreIgnored) {
  Recorder out;
  TelephoneEventReceiver rx(out);
  Feed send{rx};
  EXPECT_FALSE(send(0, 100, 16, false, 0, true));  // flash
  EXPECT_FALSE(send(0, 100, 255, true, 800));
  const std::uint8_t tiny[] = {1, 2};
  EXPECT_FALSE(rx.on_packet(1, 1, 1, true, tiny, send.t0));
  EXPECT_TRUE(out.events.empty());
  EXPECT_TRUE(out.begun.empty());
}

TEST(MediaTelephoneEvent, SenderPacketSequence) {
  TelephoneEventSender tx({8000, 100, 100, 50, 10});
  EXPECT_FALSE(tx.send("12x"));
  EXPECT_FALSE(tx.busy());
  ASSERT_TRUE(tx.send("5#"));
  EXPECT_TRUE(tx.busy());

  struct Sent {
    std::uint32_t at;
    bool marker;
    std::uint32_t timestamp;
    std::vector<std::uint8_t> payload;
  };
  std::vector<Sent> sent;
  const std::uint32_t t0 = 0xFFFFF000;  // the output stream's clock wraps during the test
  for (std::uint32_t now = t0; tx.busy() && now != t0 + 8000; now += 160) {  // a 20 ms pacing timer
    while (auto p = tx.poll(now)) sent.push_back({now - t0, p->marker, p->timestamp, {p->payload.begin(), p->payload.end()}});
  }
  EXPECT_FALSE(tx.busy());
  // '5': key-down with the marker, an update, three ends 50 ms apart; then
  // '#' one pause (100 ms) after the key-up, at the next 20 ms tick.
  std::vector<Sent> expected = {
      {0, true, t0, {0x05, 0x0A, 0x00, 0x00}},
      {480, false, t0, {0x05, 0x0A, 0x01, 0x90}},  // 400 units, at the tick after 50 ms
      {800, false, t0, {0x05, 0x8A, 0x03, 0x20}},
      {1280, false, t0, {0x05, 0x8A, 0x03, 0x20}},
      {1600, false, t0, {0x05, 0x8A, 0x03, 0x20}},
      {1600, true, t0 + 1600, {0x0B, 0x0A, 0x00, 0x00}},
      {2080, false, t0 + 1600, {0x0B, 0x0A, 0x01, 0x90}},
      {2400, false, t0 + 1600, {0x0B, 0x8A, 0x03, 0x20}},
      {2880, false, t0 + 1600, {0x0B, 0x8A, 0x03, 0x20}},
      {3200, false, t0 + 1600, {0x0B, 0x8A, 0x03, 0x20}},
  };
  ASSERT_EQ(sent.size(), expected.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].at, expected[i].at) << i;
    EXPECT_EQ(sent[i].marker, expected[i].marker) << i;
    EXPECT_EQ(sent[i].timestamp, expected[i].timestamp) << i;
    EXPECT_EQ(sent[i].payload, expected[i].payload) << i;
  }
}

TEST(MediaTelephoneEvent, SenderToReceiverEndToEnd) {
  TelephoneEventSender tx({8000, 120, 80, 50, 7});
  Recorder out;
  TelephoneEventReceiver rx(out);
  ASSERT_TRUE(tx.send("0123456789*#abcd"));
  const auto t0 = Clock::time_point{} + 1h;
  std::uint16_t seq = 0;
  std::uint32_t now = 12345;
  for (int tick = 0; tx.busy() && tick < 10000; ++tick, now += 160) {
    while (auto p = tx.poll(now)) {
      rx.on_packet(0xABCD, seq++, p->timestamp, p->marker, p->payload, t0 + std::chrono::milliseconds(tick * 20));
    }
  }
  EXPECT_EQ(out.digits(), "0123456789*#ABCD");
  EXPECT_EQ(out.begun, "0123456789*#ABCD");
  for (const auto& e : out.events) EXPECT_EQ(e.duration_ms, 120u);
}

TEST(MediaTelephoneEvent, SenderClampsAndCancels) {
  TelephoneEventSender tx({8000, 20000, 100, 50, 99});  // 20 s press: clamped to one segment
  ASSERT_TRUE(tx.send("1"));
  std::uint32_t now = 0;
  std::optional<TelephoneEventSender::Packet> last;
  for (int tick = 0; tx.busy() && tick < 1000; ++tick, now += 160) {
    while (auto p = tx.poll(now)) last = p;
  }
  ASSERT_TRUE(last);
  auto e = parse_telephone_event(last->payload);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->end);
  EXPECT_EQ(e->duration, 0xFFFF);
  EXPECT_EQ(e->volume, 63);

  ASSERT_TRUE(tx.send(std::string(TelephoneEventSender::kMaxQueued, '1')));
  EXPECT_FALSE(tx.send("1"));
  tx.cancel_queued();
  EXPECT_FALSE(tx.busy());
}
