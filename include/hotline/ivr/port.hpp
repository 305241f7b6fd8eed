#pragma once
// What the interpreter needs from the call it drives: the port. The PBX
// implements it for a call's citizen leg (media::Session::play/watch_digits,
// the recorder, the ACD, a transfer); unit tests implement it with a fake.
//
// Threading contract: one Interpreter and its Port live on one executor (the
// call's strand or media thread). Every Port method is called there, and
// every callback handed to the port must be invoked there too, at most once.
// Callbacks may be invoked after the interpreter was destroyed: they hold
// only a weak liveness token and then do nothing. A port may invoke a
// callback from inside the call that took it (e.g. a failed play).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hotline/ivr/flow.hpp"

namespace hotline::ivr {

// One thing to say, ready for the PBX. speech: play <prompts>/KEY.wav
// (<prompts>/en/KEY.wav when lang is "en") when key is set and the file
// exists, else TTS of `text` in `lang`. file: play <prompts>/FILE. say:
// read `value` out in `lang` with the Mandarin read-out functions
// (include/hotline/media/tts_mandarin.hpp): number "1203.5", digits
// "2026112800123" (digit by digit), date "2026-11-28", time "14:30",
// money "12.50" (yuan), ticket_number (digit by digit, grouped).
struct PromptItem {
  PromptSpec::Kind kind = PromptSpec::Kind::speech;
  std::string key;
  std::string text;
  std::string file;
  SayKind say = SayKind::number;
  std::string value;
  std::string lang = "zh-CN";  // "zh-CN" or "en"
};

// finished: played to the end; interrupted: a digit stopped it (barge-in;
// the digit itself still comes through Interpreter::on_digit); stopped:
// stop_playing() or the leg went away; failed: nothing could be played.
enum class PlayEnd { finished, interrupted, stopped, failed };

struct RecordOptions {
  int max_seconds = 120;
  int silence_seconds = 5;       // 0: never ends on silence
  std::string end_digits = "#";  // a key in this set ends the recording (not part of it)
  bool beep = true;              // a short tone before recording starts
  std::string store_as = "message";  // message | complaint | mailbox
};

enum class RecordEnd { digit, silence, max_length, hangup, failed };
std::string_view to_string(RecordEnd end);

struct RecordResult {
  std::string path;  // where the WAV is (relative to the recordings folder or absolute, the PBX's choice)
  std::int64_t duration_ms = 0;
  RecordEnd ended_by = RecordEnd::failed;
};

struct QueueRequest {
  std::string queue;
  int priority = 0;
  std::vector<PromptItem> announcements;
  std::string ivr_path_json;  // the path so far, for the agent's screen pop
};

struct TransferRequest {
  std::string number;
  std::string trunk;  // empty: the dial plan chooses
  TransferMode mode = TransferMode::blind;
};

// accepted: the call has left the IVR (queued, transferred); the interpreter
// is finished and will make no more port calls. Otherwise the flow goes on
// with the node's on_failure branch.
struct HandOff {
  bool accepted = false;
  std::string reason;  // when refused: "queue full", "busy", "no route", ...
};

class Port {
 public:
  virtual ~Port() = default;
  // Plays the items one after the other. A new play replaces one in progress
  // (whose callback then gets `stopped`). barge_in: a key stops it.
  virtual void play(std::vector<PromptItem> items, bool barge_in, std::function<void(PlayEnd)> done) = 0;
  virtual void stop_playing() = 0;
  // One timer per call: a new start replaces the running one; cancel makes
  // sure `fired` is not called (a late call is ignored anyway).
  virtual void start_timer(std::chrono::milliseconds after, std::function<void()> fired) = 0;
  virtual void cancel_timer() = 0;
  // Records what the caller says (beep first when asked). Keys in
  // end_digits end it; they are not passed to the interpreter meanwhile.
  virtual void record(RecordOptions options, std::function<void(RecordResult)> done) = 0;
  virtual void stop_recording() = 0;  // done comes with what was recorded so far
  virtual void to_queue(QueueRequest request, std::function<void(HandOff)> done) = 0;
  virtual void transfer(TransferRequest request, std::function<void(HandOff)> done) = 0;
  // The flow ends the call. The interpreter is finished afterwards; the PBX
  // need not call on_hangup() for it (doing so is harmless).
  virtual void hangup() = 0;
};

}  // namespace hotline::ivr
