#pragma once
// The call model: a back-to-back user agent. A call is a set of legs, each
// its own SIP dialog, with the media anchored on our RTP ports (src/media).
// The caller's leg is routed by the dial plan to the echo test, an extension
// (its registered contact), or a trunk; the two legs are bridged when the
// callee answers. Handles CANCEL, BYE from either side, re-INVITE (hold and
// resume, answered locally: the anchored media makes that invisible to the
// other side), INFO DTMF (relayed), REFER (blind transfer of the other
// party), and writes a call record for every call.
//
// Runs on the SIP strand; the media engine's callbacks come back to it.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "hotline/core/config.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/media/engine.hpp"
#include "hotline/pbx/cdr.hpp"
#include "hotline/pbx/channel_use.hpp"
#include "hotline/pbx/dialplan.hpp"
#include "hotline/sip/registrar.hpp"
#include "hotline/sip/transaction.hpp"

namespace hotline::pbx {

// Receives every finished call's record; called from a media thread.
using RecordSink = std::function<void(CallRecord)>;

}  // namespace hotline::pbx

namespace hotline::media {
class AudioFiles;
class PromptLibrary;
class RecordingWriter;
}  // namespace hotline::media

namespace hotline::pbx {

// What calls need beyond relaying: audio to play, and the recorder. Each may
// be null (then calls do without: no prompts, no recording). They must
// outlive the CallManager.
struct MediaServices {
  media::AudioFiles* audio = nullptr;        // WAV files as playable audio, cached
  media::PromptLibrary* prompts = nullptr;   // prompt keys: an admin's recording, else TTS
  media::RecordingWriter* recorder = nullptr;  // every call recorded through it when set
  std::filesystem::path hold_music;          // WAV for music on hold; empty: a built-in chime
};

// One thing to say: a prompt key (an admin's recording replaces the TTS of
// text when there is one) or, with no key, the TTS of text.
struct PromptSpec {
  std::string key;
  std::string text;
  std::string voice = "cmn";
  std::filesystem::path file;  // instead of key and text: this WAV file
};

}  // namespace hotline::pbx

namespace hotline::acd {
class Service;
}  // namespace hotline::acd

namespace hotline::ivr {
class FlowLibrary;
class Services;
struct Schedules;
}  // namespace hotline::ivr

namespace hotline::pbx {

// What ivr:FLOW routes need: the flows, the services their actions use, the
// schedules and variables of the configuration. Must outlive the CallManager.
struct IvrServices {
  ivr::FlowLibrary* flows = nullptr;
  ivr::Services* services = nullptr;
  const ivr::Schedules* schedules = nullptr;
  std::filesystem::path prompts_dir;    // for flow items that name a file
  std::filesystem::path messages_dir;   // where messages callers leave are written
};

class CallManager final : public sip::TransactionUser {
 public:
  // strand: the SIP strand, where every method is called and timers run.
  CallManager(const Config& config, boost::asio::any_io_executor strand, sip::TransactionLayer& layer,
              sip::Registrar& registrar, media::Engine& media, Metrics& metrics, RecordSink records);
  ~CallManager() override;

  void on_request(sip::TransactionId id, const sip::Message& request, const sip::Source& source) override;
  void on_ack(const sip::Message& ack, const sip::Source& source) override;
  void on_cancel(sip::TransactionId invite, const sip::Message& cancel) override;
  void on_response(sip::TransactionId id, const sip::Message& response) override;
  void on_timeout(sip::TransactionId id) override;
  void on_ack_timeout(sip::TransactionId id) override;

  // Before the first call: prompts, music on hold, recording.
  void use_media_services(MediaServices services);
  void use_ivr(IvrServices ivr);
  // queue:NAME routes and flows' queue nodes: calls wait in the ACD's queues
  // and are offered to agents' devices. The service must outlive us.
  void use_acd(acd::Service& acd);

  // Call control for agents and supervisors (the API). On the SIP strand;
  // an empty string when done, else why not.
  std::string agent_hang_up(const std::string& agent);
  std::string agent_hold(const std::string& agent, bool on);
  // target: queue:NAME, extension:NUM, or a number for the dial plan.
  std::string agent_transfer(const std::string& agent, const std::string& target);
  // 人工转自动: the agent leaves and the citizen goes on to the IVR flow
  // (e.g. "satisfaction": the survey); the ACD counts the agent's hang-up.
  std::string agent_to_flow(const std::string& agent, const std::string& flow);
  // Attended transfer (docs/websocket-protocol.md, "Consulting"): the agent's
  // other party (the citizen) waits on hold while the agent talks to the
  // consulted party; then the agent hands the call over, makes it a
  // three-way call, or goes back to the citizen.
  struct ConsultTarget {
    std::string target;  // as asked: agent:JOB, extension:NUM or a number
    std::string device;  // agent:JOB looked up in the ACD: browser:JOB or extension:NUM
    std::string agent;   // agent:JOB: JOB
  };
  std::string agent_consult(const std::string& agent, const ConsultTarget& to);
  std::string agent_consult_cancel(const std::string& agent);
  std::string agent_transfer_complete(const std::string& agent);
  std::string agent_conference(const std::string& agent);
  // A supervisor's force release (强拆) of the call with this uuid.
  std::string release(const std::string& call_uuid);
  // The agent's live call: uuid and caller for the screen pop; empty when none.
  std::string agent_call(const std::string& agent) const;

  // ---- browser devices and browser calls (WebRTC legs; docs/websocket-protocol.md) ----
  // On the SIP strand. `session` is the WebSocket connection's session id:
  // the browser's pushes (call.invite, call.state) go to it. Failures throw
  // hotline::Error (not_found: no such call of yours; invalid_argument: bad
  // SDP or number; conflict: the call is not in a state for it).
  using BrowserPush =
      std::function<void(const std::string& session, const std::string& method, const std::string& params_json)>;
  void use_browser_push(BrowserPush push);
  // An agent logged in with device "browser:JOB": offers ring in this session.
  void browser_bind(const std::string& job, const std::string& session);
  void browser_unbind(const std::string& job);
  // The WebSocket closed: its browser legs and device wait `grace` for a
  // session.attach, then their calls end and the agent's device is lost.
  void browser_closed(const std::string& session);
  // A new connection (same user) takes over an old session's device and
  // calls: each live call is offered again (call.invite with "reattach").
  // Returns the live call's uuid (empty: none).
  std::string browser_attach(const std::string& job, const std::string& old_session, const std::string& new_session);
  struct BrowserCallAnswer {
    std::string call;
    std::string sdp;
  };
  // The browser places a call (test phone, outbound dial): its offer in,
  // our answer out; the call is routed by the dial plan as from `job`.
  BrowserCallAnswer browser_invite(const std::string& job, const std::string& session, const std::string& number,
                                   const std::string& sdp);
  // A supervisor's browser joins `agent`'s live call to listen, whisper or
  // barge (not_found: the agent has no live call).
  BrowserCallAnswer browser_monitor(const std::string& job, const std::string& session, const std::string& agent,
                                    media::Supervision mode, const std::string& sdp);
  void browser_answer(const std::string& job, const std::string& session, const std::string& call,
                      const std::string& sdp);
  void browser_reject(const std::string& job, const std::string& session, const std::string& call);
  // Ends the browser's leg of the call (the whole call for its caller or agent).
  void browser_bye(const std::string& job, const std::string& session, const std::string& call);
  void browser_dtmf(const std::string& job, const std::string& session, const std::string& call,
                    const std::string& digits);

  // Channels in use now, for the wallboard (calls.stats).
  ChannelUse channel_use() const;

  // Ends every call (BYE, CANCEL or 503), for a shutdown. On the SIP strand.
  void hang_up_all();
  std::size_t active_calls() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotline::pbx
