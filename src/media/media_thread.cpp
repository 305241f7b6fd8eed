#include "media_thread.hpp"

#include <pthread.h>

#include <boost/asio/post.hpp>
#include <chrono>

namespace hotline::media {

MediaMetrics::MediaMetrics(Metrics& metrics)
    : relayed(metrics.counter("hotline_rtp_packets_relayed_total", "RTP packets sent on to a peer (bridge or echo)")),
      dropped(metrics.counter("hotline_rtp_packets_dropped_total",
                              "RTP packets dropped: invalid, unexpected source, payload type not mapped, send failed")),
      lost(metrics.counter("hotline_rtp_packets_lost_total", "Inbound RTP packets missing from sequence numbers")),
      ports_in_use(metrics.gauge("hotline_rtp_ports_in_use", "RTP and RTCP ports held by call legs")),
      sessions(metrics.gauge("hotline_media_sessions", "Open media sessions")),
      played(metrics.counter("hotline_media_frames_played_total",
                             "20 ms frames of our own audio sent to peers (prompts, music on hold, digits)")),
      digits(metrics.counter("hotline_media_digits_total", "DTMF digits heard from peers (RFC 4733, in-band, INFO)")),
      players(metrics.gauge("hotline_media_players", "Legs hearing a prompt or music on hold now")),
      recordings(metrics.gauge("hotline_media_recordings", "Calls being recorded now")),
      beat_subscribers(metrics.gauge("hotline_media_clocked", "Players, recorders and mixes on the media threads' 20 ms clocks")) {}

MediaThread::MediaThread(std::string name, MediaMetrics& metrics)
    : name_(std::move(name)), metrics_(metrics), work_(boost::asio::make_work_guard(io_)) {}

MediaThread::~MediaThread() { join(); }

void MediaThread::start() {
  if (thread_.joinable()) return;
  schedule_flush();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), name_.c_str());
    io_.run();
  });
}

void MediaThread::schedule_flush() {
  flush_timer_.expires_after(std::chrono::seconds(1));
  flush_timer_.async_wait([this](const boost::system::error_code& ec) {
    flush_counters();
    if (!ec && !stopped()) schedule_flush();
  });
}

void MediaThread::join() {
  if (!work_) return;
  // Queued behind every close the engine posted: the last counts reach Prometheus.
  boost::asio::post(io_, [this] {
    flush_counters();
    flush_timer_.cancel();
    clock_.stop();
  });
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

void MediaThread::flush_counters() {
  metrics_.relayed.inc(counters_.relayed - flushed_.relayed);
  metrics_.dropped.inc(counters_.dropped - flushed_.dropped);
  metrics_.lost.inc(counters_.lost - flushed_.lost);
  metrics_.played.inc(counters_.played - flushed_.played);
  metrics_.digits.inc(counters_.digits - flushed_.digits);
  metrics_.players.add(counters_.players - flushed_.players);
  metrics_.recordings.add(counters_.recordings - flushed_.recordings);
  const auto clocked = static_cast<std::int64_t>(clock_.subscribers());
  metrics_.beat_subscribers.add(clocked - clocked_);
  clocked_ = clocked;
  flushed_ = counters_;
}

}  // namespace hotline::media
