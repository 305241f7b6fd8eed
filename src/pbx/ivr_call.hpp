#pragma once
// One call in the IVR: the interpreter of its flow and the port it drives,
// implemented with the call's media (prompts, digits, messages) and the
// call manager (transfers, hang-up). Lives on the SIP strand, owned by the
// Call; every callback finds the call again by id, so a call that ended
// meanwhile is simply not found.
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "hotline/ivr/interpreter.hpp"
#include "hotline/ivr/port.hpp"
#include "hotline/media/engine.hpp"
#include "hotline/pbx/calls.hpp"

namespace hotline::pbx {

struct Call;
struct Leg;

class IvrCall final : public ivr::Port {
 public:
  IvrCall(CallManager::Impl& pbx, Call& call, Leg& citizen, std::shared_ptr<const ivr::Flow> flow);
  ~IvrCall() override;

  void start();
  void on_digit(char digit);
  void on_hangup();
  bool finished() const { return interpreter_->finished(); }
  std::string path_json() const { return interpreter_->path_json(); }

  // ivr::Port
  void play(std::vector<ivr::PromptItem> items, bool barge_in, std::function<void(ivr::PlayEnd)> done) override;
  void stop_playing() override;
  void start_timer(std::chrono::milliseconds after, std::function<void()> fired) override;
  void cancel_timer() override;
  void record(ivr::RecordOptions options, std::function<void(ivr::RecordResult)> done) override;
  void stop_recording() override;
  void to_queue(ivr::QueueRequest request, std::function<void(ivr::HandOff)> done) override;
  void transfer(ivr::TransferRequest request, std::function<void(ivr::HandOff)> done) override;
  void hangup() override;

 private:
  PromptSpec spec_of(const ivr::PromptItem& item) const;
  void start_message();
  void message_done(media::MessageEnd end, std::shared_ptr<const media::Audio> audio);

  CallManager::Impl& pbx_;
  const std::uint64_t call_id_;
  const int leg_index_;
  boost::asio::steady_timer timer_;
  std::unique_ptr<ivr::Interpreter> interpreter_;
  // A message being recorded: its options, how it ends, who hears of it.
  bool recording_ = false;
  ivr::RecordOptions record_options_;
  ivr::RecordEnd record_end_ = ivr::RecordEnd::failed;
  std::function<void(ivr::RecordResult)> record_done_;
  int messages_ = 0;
};

}  // namespace hotline::pbx
