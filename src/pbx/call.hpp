#pragma once
// The CallManager's inside, shared by calls.cpp (setting calls up) and
// call_dialog.cpp (what happens within dialogs, and the end of calls).
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hotline/acd/service.hpp"
#include "hotline/pbx/calls.hpp"
#include "hotline/sip/dialog.hpp"
#include "hotline/sip/sdp.hpp"
#include "ivr_call.hpp"

namespace hotline::pbx {

struct Leg {
  int index = 0;
  std::string role;         // caller, callee, transfer
  std::string endpoint;     // trunk:NAME, extension:NUM, echo
  bool inbound = false;     // we are the leg's UAS
  sip::Source peer;         // where its requests go
  std::string sip_call_id;  // with our_tag: the key of its dialog (early or confirmed)
  std::string our_tag;
  sip::Dialog dialog;
  bool confirmed = false;  // the dialog is up (2xx sent or received)
  bool ended = false;
  sip::TransactionId invite = 0;                     // its pending INVITE transaction
  std::vector<sip::TransactionId> answered_invites;  // re-INVITEs of it we answered
  std::optional<sip::Message> outgoing_invite;       // ours (callee legs), until the final answer
  std::uint32_t last_invite_cseq = 0;                // to ACK a retransmitted 2xx
  std::string from_uri;
  std::string to_uri;
  media::LegId media = 0;
  std::uint16_t local_port = 0;
  std::vector<sip::Format> formats;  // what this leg speaks (one G.711 law + telephone-event)
  media::LegCodec codec;
  std::string codec_name;
  std::string remote_address;  // from its SDP
  std::uint16_t remote_port = 0;
  std::uint64_t sdp_session = 0;
  std::uint64_t sdp_version = 0;
  sip::Direction direction = sip::Direction::sendrecv;  // ours
  std::int64_t started_at = 0;
  std::int64_t answered_at = 0;
  std::int64_t ended_at = 0;
  int status = 0;
  std::string cause;
  std::string side;
  int partner = -1;               // the leg its media is bridged with
  int refer_from = -1;            // transfer legs: the leg whose REFER made it
  int transfer_for = -1;          // transfer legs: the leg that gets bridged to it
  bool transfer_pending = false;  // this leg waits for a transfer target to answer
  bool early_media = false;
  bool auth_retried = false;
  bool holding = false;  // it put its partner on hold: the partner hears music
  bool late_offer = false;  // its INVITE had no SDP: our 200 offers, its ACK answers (RFC 3261 §13.2.1)
  acd::OfferId offer = 0;   // agent legs: the ACD's offer it rings for
  std::string agent;        // agent legs: the agent's job number
  // Browser legs (WebRTC, signalled over the WebSocket; browser_call.cpp): no SIP dialog.
  bool browser = false;
  std::string ws_session;  // the WebSocket session its pushes go to
  std::string user;        // the job number of the browser's user
  media::WebRtcLocal webrtc;         // our ICE credentials etc., for our SDP
  media::LegId pending_media = 0;    // re-attach: the fresh WebRTC leg offered to the new page
  std::uint16_t pending_port = 0;
  media::WebRtcLocal pending_webrtc;
  // Its media failed (a reloading page closes DTLS before its WebSocket):
  // the citizen hears music until a re-attach or the grace ends the call.
  std::unique_ptr<boost::asio::steady_timer> media_grace;
  // Consulting (attended transfer, three-way; consult_call.cpp). On the consulting agent's leg:
  int consult = -1;          // the consulted party's leg
  int held_party = -1;       // the party waiting on hold meanwhile (the citizen)
  bool conferenced = false;  // the three are mixed
  std::string consult_target;  // agent:JOB, extension:NUM or a number, as asked
  // On a consult leg (role "consult"):
  int consulted_by = -1;       // the agent leg consulting it; -1 once the call is handed over to it
  std::string consult_device;  // a consulted agent's device: busy for the ACD while this leg lasts
};

// A citizen in an ACD queue: waiting (music, announcements, the callback
// menu) and then talking to the agent who answered.
struct QueueWait {
  enum class Menu { none, confirm, keying, closing };
  std::string queue;
  int priority = 0;
  std::int64_t entered_at = 0;  // kept across overflows: the place in line
  bool admitted = false;        // the ACD took it
  bool waiting = true;          // in line; false once an agent answered
  bool callback_requested = false;
  std::string agent;            // who answered
  int agent_leg = -1;
  Menu menu = Menu::none;
  std::string number;           // to call back: the caller's, or keyed
  std::vector<PromptSpec> announcements;  // the flow's "please hold", said once
};

struct Call {
  explicit Call(const boost::asio::any_io_executor& ex) : ring_timer(ex), limit_timer(ex), idle_timer(ex) {}
  std::uint64_t id = 0;
  std::string uuid;
  std::shared_ptr<media::Session> media;
  std::vector<std::unique_ptr<Leg>> legs;
  std::string caller;
  std::string dialled;
  std::string source;
  std::string route;
  std::string class_of_service;
  std::int64_t started_at = 0;
  std::int64_t answered_at = 0;
  int status = 0;  // what the caller was answered
  std::string cause;
  std::string side;
  boost::asio::steady_timer ring_timer;
  boost::asio::steady_timer limit_timer;
  boost::asio::steady_timer idle_timer;  // services we answer ourselves (keypad test): no input for too long
  bool shared_media = false;             // its legs live in a session others share (a room, a supervised call)
  std::string room;                      // conference:ROOM
  std::uint64_t supervising = 0;         // a supervisor's call: the call it joined
  std::vector<std::uint64_t> supervisors;  // calls supervising this one
  std::unique_ptr<IvrCall> ivr;          // ivr:FLOW calls: the flow's interpreter and its port
  std::string ivr_path;                  // kept when the interpreter goes
  std::unique_ptr<QueueWait> queued;     // in (or served from) an ACD queue
  std::string callback_entry;            // a callback call: the queue entry it serves (legs[0] is the agent)
  bool callback_reported = false;
  bool callback_agent_up = false;        // the ACD took the agent's answer: the citizen is being called
  std::vector<std::string> busy_devices; // agents' devices in this non-ACD call (busy elsewhere)
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call();
};

// A conference room: one media session that every caller of the room joins.
struct Room {
  std::shared_ptr<media::Session> session;
  int members = 0;
};

// Legs of an agent's own device: an ACD offer, a consultation, a click-to-call.
inline bool agent_side(const Leg& leg) {
  return leg.role == "agent" || leg.role == "consult" || leg.role == "agent_out";
}

struct LegRef {
  std::uint64_t call = 0;
  int leg = 0;
};

enum class Purpose { invite, bye, reinvite, info, notify };

struct Pending {
  LegRef ref;
  Purpose purpose = Purpose::invite;
};

struct CallManager::Impl {
  Impl(const Config& config, boost::asio::any_io_executor strand, sip::TransactionLayer& layer,
       sip::Registrar& registrar, media::Engine& media, Metrics& metrics, RecordSink records);

  const Config& config;
  boost::asio::any_io_executor strand;
  sip::TransactionLayer& layer;
  sip::Registrar& registrar;
  media::Engine& media;
  DialPlan dialplan;
  RecordSink records;
  MediaServices services;
  IvrServices ivr_services;
  media::AudioPtr hold_music;
  Gauge& calls_active;
  Gauge& legs_active;
  Counter& calls_refused;
  Counter& calls_answered;
  Counter& calls_unanswered;
  std::uint64_t next_call = 1;
  std::int64_t legs_open = 0;

  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls;
  std::unordered_map<std::string, LegRef> dialogs;                // call-id|our tag
  std::unordered_map<sip::TransactionId, LegRef> server_invites;  // INVITEs we answer (initial and re-)
  std::unordered_map<sip::TransactionId, Pending> clients;        // our requests in flight
  std::unordered_map<sip::TransactionId, sip::Message> orphans;   // our INVITEs of calls already over
  std::unordered_set<sip::TransactionId> cancelled_early;         // CANCELled before the call was made
  std::unordered_map<std::string, Room> rooms;
  std::unordered_map<std::string, std::uint64_t> calls_by_uuid;
  std::unordered_map<acd::OfferId, LegRef> offer_legs;
  acd::Service* acd = nullptr;
  std::unique_ptr<acd::CallControl> acd_control;

  // calls.cpp: setting up
  void on_invite(sip::TransactionId id, const sip::Message& request, const sip::Source& source);
  void start_call(sip::TransactionId id, const sip::Message& request, const sip::Source& source, const Caller& caller);
  struct Supervised;
  Call& create_call(const std::string& caller_number, const std::string& number, const Caller& caller,
                    const Route& route, const std::optional<Supervised>& supervised);
  void route_call(Call& call, Leg& a, const Route& route, const Caller& caller,
                  const std::optional<Supervised>& supervised);
  bool dial(Call& call, const std::vector<sip::Format>& formats, const Route& route, const std::string& role,
            int& status_out);
  void on_invite_response(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& response);
  void on_leg_answered(Call& call, Leg& leg, const sip::Message& response);
  void on_leg_failed(Call& call, Leg& leg, int status, const std::string& cause);
  void answer_caller(Call& call, Leg& a, int status);
  void on_orphan_answer(sip::TransactionId id, const sip::Message& response);
  void on_late_answer(Call& call, Leg& leg, const sip::Message& ack);

  // call_dialog.cpp: within dialogs
  void on_in_dialog(sip::TransactionId id, const sip::Message& request, const sip::Source& source);
  void on_bye(Call& call, Leg& leg, sip::TransactionId id);
  void on_reinvite(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request);
  void on_info(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request);
  void on_refer(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request);
  void notify_transfer(Call& call, Leg& referrer, int status, bool final);
  void end_leg(Call& call, Leg& leg, int status, const std::string& cause, const std::string& side);
  void end_call(Call& call, const std::string& cause, const std::string& side);
  void send_in_dialog(Call& call, Leg& leg, sip::Message request, Purpose purpose);

  // call_audio.cpp: what calls hear from us
  using SaidFn = std::function<void(Call& call, media::PlayEnd end, char digit)>;
  void load_hold_music();
  // only_while_alone: not played if the leg got bridged while the prompt was being rendered.
  void say(Call& call, Leg& leg, std::vector<PromptSpec> prompts, media::PlayOptions options, SaidFn done,
           bool only_while_alone = false);
  void update_hold_music(Call& call, Leg& leg);
  void start_recording(Call& call, Leg& citizen);
  void start_keypad_test(Call& call, Leg& a);
  void on_keypad_digit(std::uint64_t call_id, int leg_index, const media::DtmfEvent& event);
  void arm_idle_timer(Call& call);
  // call_mix.cpp: conference rooms and supervisors
  struct Supervised {
    Call* call = nullptr;
    Leg* agent = nullptr;
    Leg* citizen = nullptr;
  };
  std::optional<Supervised> find_supervised(const std::string& extension);
  void join_room(Call& call, const std::string& room);
  void start_supervision(Call& call, Leg& supervisor, const Route& route, const Supervised& target);
  void end_mixing(Call& call);  // from end_call, before the media goes
  // ivr_call.cpp / calls.cpp: ivr:FLOW
  void start_ivr(Call& call, Leg& a, const Route& route);

  // queue_call.cpp: the ACD's side of calls
  void enter_queue(Call& call, Leg& citizen, std::unique_ptr<QueueWait> wait, std::function<void(bool, std::string)> done);
  void hold_in_queue(Call& call);
  void on_queue_digit(std::uint64_t call_id, char digit);
  void ring_agent(const acd::Offer& offer);
  void stop_ringing(acd::OfferId offer);
  void queue_overflow(const acd::Entry& entry, const std::string& target, const std::string& reason);
  void queue_announce(const acd::Entry& entry, int position, acd::Ms estimated_wait);
  void on_agent_answered(Call& call, Leg& leg);
  void on_agent_failed(Call& call, Leg& leg, int status, const std::string& cause);
  void on_agent_hold(Call& call, Leg& leg, bool on);
  void start_callback_call(const acd::Offer& offer);
  void on_callback_citizen(Call& call, bool answered);
  void queue_call_ended(Call& call);  // from end_call
  void mark_devices_busy(Call& call, std::vector<std::string> devices);
  Route outbound_route(const std::string& number, std::string& why);

  // browser_call.cpp: WebRTC legs signalled over the WebSocket
  struct BrowserSession {
    std::string user;      // job number
    bool agent = false;    // an agent's browser device is bound to it
    bool connected = true;
    std::unique_ptr<boost::asio::steady_timer> grace;  // after a disconnect: the time left to re-attach
  };
  std::unordered_map<std::string, BrowserSession> browser_sessions;  // by WebSocket session id
  std::unordered_map<std::string, std::string> browser_agents;       // job number -> session id
  CallManager::BrowserPush browser_push;
  struct LastEnd {
    std::string uuid;
    std::string cause;
  } last_end;  // the call end_call ended last: why a browser's call ended at once
  void bye(Call& call, Leg& leg);  // ends our side of a leg's dialog: BYE, or nothing for a browser leg
  void push_to_browser(const Leg& leg, const std::string& method, const std::string& params_json);
  void push_call_state(const Call& call, const Leg& leg, const std::string& state, const std::string& cause = {});
  Leg* add_browser_leg(Call& call, const std::string& role, const std::string& user, const std::string& ws_session);
  std::string browser_offer(Call& call, Leg& leg);
  void ring_browser_agent(Call& call, const acd::Offer& offer);
  void on_browser_media(std::uint64_t call_id, int leg_index, const media::WebRtcState& state);
  void browser_grace_over(const std::string& ws_session);
  void take_over_agent_leg(Call& call, Leg& fresh);
  Leg* browser_leg(Call& call, const std::string& ws_session);

  // consult_call.cpp: attended transfer and three-way calls
  void on_consult_answered(Call& call, Leg& consult);
  void on_consult_failed(Call& call, Leg& consult, int status, const std::string& cause);
  // A leg leaves (BYE, the page's call.bye or its disconnect, the API's hang-up): true when the
  // consultation took care of it and the call goes on without that leg. `gone`: its side ended
  // the dialog itself (no BYE to send).
  bool consult_party_left(Call& call, Leg& leg, bool gone);
  void back_to_held_party(Call& call, Leg& agent, const std::string& cause, int status);
  void hand_over(Call& call, Leg& agent, bool agent_gone);
  void release_consult_device(Call& call, Leg& consult);
  void arm_browser_ring_timer(Call& call, Leg& leg);  // a browser leg rings that long at most
  // outbound_call.cpp: click-to-call, the agent's device first
  void on_outbound_agent_answered(Call& call, Leg& agent);
  std::optional<Supervised> find_supervised_agent(const std::string& job);

  // helpers
  Leg* live_agent_leg(const std::string& agent, Call** call_out);  // the agent's answered leg, not ended
  Call* find_call(std::uint64_t id);
  Call* find_call(const std::string& uuid);
  Leg* find(const LegRef& ref, Call** call_out = nullptr);
  Leg& add_leg(Call& call, const std::string& role, const std::string& endpoint, bool inbound);
  std::string contact_for(const sip::Source& peer) const;
  std::string sdp_for(Leg& leg);
  void respond(sip::TransactionId id, Leg* leg, int status, std::vector<std::pair<std::string, std::string>> extra = {},
               bool with_sdp = false);
  void refuse(sip::TransactionId id, int status, const std::string& why);
  static std::string dialog_key(const std::string& call_id, const std::string& tag) { return call_id + '|' + tag; }
};

// What an agent's phone is offered: the citizen's law first, the other one
// too (the relay transcodes), and telephone-event (queue_call.cpp).
std::vector<sip::Format> agent_offer(const std::vector<sip::Format>& citizen);

// The SDP of a message, when it has one.
std::optional<sip::SessionDescription> sdp_of(const sip::Message& message);
media::Flow to_flow(sip::Direction d);

}  // namespace hotline::pbx
