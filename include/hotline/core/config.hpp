#pragma once
// hotlined's configuration: config/hotlined.json (JSON with comments) over the
// built-in defaults. Every key is documented in docs/configuration.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hotline/core/net.hpp"

namespace hotline {

struct TlsConfig {
  bool enabled = false;
  std::string certificate;  // PEM file
  std::string private_key;  // PEM file
};

struct HttpConfig {
  Endpoint listen{"127.0.0.1", 8080};
  std::string static_dir = "web/dist";
  std::size_t max_body_bytes = 1 << 20;
  unsigned request_timeout_seconds = 30;
  unsigned threads = 0;  // 0: one per core
  std::vector<Cidr> metrics_allow = {*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")};
  TlsConfig tls;
};

struct WebSocketConfig {
  std::size_t send_queue_messages = 256;
  std::size_t send_queue_bytes = 4 << 20;
  std::size_t max_message_bytes = 64 << 10;
  unsigned ping_interval_seconds = 20;
  std::size_t max_connections = 10000;
  // After a browser softphone's connection drops: how long its agent device
  // and live call wait for the page to come back (session.attach).
  unsigned reattach_grace_seconds = 30;
};

struct AuthConfig {
  unsigned session_ttl_seconds = 12 * 3600;
  unsigned lockout_threshold = 5;
  unsigned lockout_seconds = 15 * 60;
  unsigned password_min_length = 8;
};

struct StoreConfig {
  unsigned readers = 2;
  unsigned busy_timeout_ms = 5000;
  // The writer's page cache. The default 2 MiB of SQLite makes every insert
  // into a large random-keyed index (caller hash, FTS postings) a pread.
  unsigned writer_cache_mib = 64;
};

struct LogConfig {
  std::string level = "info";
  std::string file = "log/hotlined.log";  // relative to data_dir
  unsigned max_size_mb = 10;
  unsigned max_files = 5;
  bool console = true;
};

struct SipTlsConfig {
  bool enabled = false;
  Endpoint listen{"127.0.0.1", 5061};
  std::string certificate;  // PEM chain, presented to phones and to trunks
  std::string private_key;  // PEM
  std::string ca_file;      // CAs trusted for trunks we connect to; empty: the system's
  bool verify_peer = true;  // check trunks' certificates (name or IP in the certificate)
};

struct SipConfig {
  Endpoint listen{"127.0.0.1", 5060};  // UDP and TCP
  SipTlsConfig tls;
  std::size_t max_message_bytes = 16384;
  unsigned tcp_idle_seconds = 600;
  std::string realm = "hotline";
  std::vector<std::string> digest_algorithms = {"MD5", "SHA-256"};
  int register_min_expires = 60;
  int register_max_expires = 3600;
  unsigned auth_failures_before_ban = 10;
  unsigned ban_seconds = 600;
  unsigned max_requests_per_second = 50;
  unsigned overload_lag_ms = 250;  // SIP strand backlog that makes new calls get 503; 0: never
};

struct RtpConfig {
  std::string address = "127.0.0.1";  // RTP sockets bind here; our SDP announces it
  std::uint16_t port_min = 20000;
  std::uint16_t port_max = 29999;
  unsigned threads = 0;  // media threads; 0: one per core
};

// One dial plan line: a dialled number matching `match` goes to `to`.
// Patterns: a literal number, or "_" + X (0-9), Z (1-9), N (2-9), [1-5], "." (one or more of anything).
struct DialRule {
  std::string match;
  std::string
      to;  // echo | extension | extension:NUM | trunk:NAME | ivr:FLOW | queue:NAME | conference:ROOM | reject:CODE
  unsigned strip = 0;   // leading digits removed before the number goes on
  std::string prepend;  // then put in front
};

struct TrunkConfig {
  std::string name;
  std::vector<Cidr> acl;            // sources whose requests are this trunk's inbound calls
  std::optional<Endpoint> address;  // where outbound calls go; none: inbound only
  std::string transport = "udp";    // of outbound calls: udp, tcp or tls
  std::string username;             // digest credentials for outbound calls, when challenged
  std::string password;
  std::string class_of_service = "all";
  std::vector<DialRule> inbound;  // number mapping tried before the dial plan
};

struct CallsConfig {
  unsigned max_calls = 2000;  // concurrent calls; more get 503
  unsigned ring_timeout_seconds = 60;
  unsigned max_call_seconds = 4 * 3600;
  bool cdr = true;
};

// Work orders (tickets): calendar, deadlines, escalation, scheduler, citizen
// access. Checked here for form; src/tickets builds its calendar and deadline
// policy from these values. Keys: docs/configuration.md "tickets".
struct TicketDeadlinesConfig {
  unsigned extra_urgent_reply_minutes = 120;  // 特急
  unsigned urgent_reply_hours = 24;           // 紧急
  // Working days to reply, by ticket type (consultation, help, complaint, ...).
  std::map<std::string, unsigned> reply_working_days = {
      {"consultation", 1}, {"suggestion", 1}, {"help", 5},    {"complaint", 5},
      {"report", 5},       {"praise", 5},     {"mailbox", 5}, {"other", 5}};
  unsigned complex_reply_working_days = 15;
  unsigned extra_urgent_sign_minutes = 30;
  unsigned urgent_sign_minutes = 120;
  unsigned sign_working_days = 1;
  unsigned close_working_days_after_reply = 2;
};

struct TicketsConfig {
  std::vector<std::string> holidays;         // "YYYY-MM-DD", rest days
  std::vector<std::string> makeup_workdays;  // "YYYY-MM-DD", 调休 working weekend days
  TicketDeadlinesConfig deadlines;
  unsigned escalation_yellow_percent = 80;  // 督办 yellow once this share of the time has passed
  unsigned scheduler_interval_seconds = 30;
  unsigned citizen_lookups_per_minute = 10;  // per client address
  unsigned mailbox_messages_per_hour = 20;   // per client address
  std::vector<std::string> open311_api_keys;
  std::string letter_issuer = "12345政务服务便民热线";
  // Largest ticket attachment (a scanned letter, a fax, a recording); the
  // HTTP body limit is raised to this for the upload route only.
  std::size_t attachment_max_bytes = 20 * 1024 * 1024;
};

// Call recordings (issue 4, F2). Keys: docs/configuration.md "recordings".
struct RecordingsConfig {
  bool enabled = true;                     // record every call
  std::string directory = "recordings";    // relative to data_dir unless absolute
  unsigned retention_days = 365;           // then the daily purge deletes them; 0: keep for ever
  unsigned header_update_seconds = 5;      // WAV sizes rewritten this often while a call records
  unsigned disk_alarm_free_mb = 2048;      // below this much free space: an error in the log, the gauge
};

// Prompts recorded by an admin, and the TTS that speaks the others.
struct PromptsConfig {
  std::string directory = "prompts";  // relative to data_dir unless absolute: <key>.wav
  std::string voice = "cmn";          // espeak-ng voice of the TTS fallback
  unsigned tts_rate = 160;            // words per minute, 80 .. 450
  std::string hold_music;             // WAV for music on hold, relative to directory; empty: a built-in chime
};

// The IVR (issue 5): flow files, recorded prompts, flow variables and the
// schedules that flows test with `schedule: NAME`. Keys: docs/configuration.md "ivr".
struct IvrSchedule {
  // Weekdays open: "mon".."sun"; or the single word "all" (every day) or
  // "working" (the working days of the tickets calendar: weekends and
  // holidays closed, make-up working days open).
  std::vector<std::string> days = {"all"};
  std::vector<std::string> hours = {"00:00-24:00"};  // "HH:MM-HH:MM", Shanghai time, end exclusive
  bool closed_on_holidays = false;                    // tickets.holidays are closed days
};

struct IvrConfig {
  std::string flows_dir = "ivr-flows";  // *.yaml, one flow per file; relative to the working directory
  // Variables every flow sees as ${name}, over the flow's own defaults
  // (the city's name, other hotlines' numbers for transfers, ...).
  std::map<std::string, std::string> variables;
  std::map<std::string, IvrSchedule> schedules = {{"staffed", IvrSchedule{}}};
};

// The ACD (issue 6): queues, who serves them, not-ready reasons, callbacks.
// Queues and members here are the starting set; the API adds, changes and
// removes them (kept in the database). Keys: docs/configuration.md "acd".
struct AcdQueueConfig {
  std::string name;
  std::string display_name;
  std::string strategy = "skills";  // longest_idle round_robin fewest_calls ring_all random skills
  unsigned ring_timeout_seconds = 15;
  unsigned wrap_up_seconds = 15;
  unsigned wrap_up_max_seconds = 120;
  unsigned max_wait_seconds = 0;  // 0: no limit
  unsigned max_length = 0;        // 0: no limit
  std::string overflow;           // queue:NAME | ivr:FLOW | voicemail | ""
  std::string join_when = "no_agents_logged_in";  // always | no_agents_logged_in | no_agents_available
  std::string leave_when = "always";              // same words: overflow waiting callers when...
  bool announce_job_number = true;
  unsigned announce_every_seconds = 30;
  unsigned service_level_seconds = 20;
  unsigned missed_offers_to_pause = 2;
  unsigned busy_delay_seconds = 5;
  unsigned priority_aging_seconds = 60;
  bool callback = true;
  unsigned callback_attempts = 3;
  unsigned callback_retry_seconds = 120;
};

struct AcdMemberConfig {
  std::string queue;
  std::string agent;  // job number
  int penalty = 0;
};

struct AcdConfig {
  std::vector<AcdQueueConfig> queues = [] {
    AcdQueueConfig human;  // what the 12345 flow's human service (人工服务) queues into
    human.name = "human";
    human.display_name = "人工服务";
    return std::vector<AcdQueueConfig>{human};
  }();
  std::vector<AcdMemberConfig> members;
  // code -> label; agents choose one when they go not ready.
  std::map<std::string, std::string> not_ready_reasons = {
      {"break", "小休"}, {"meal", "用餐"}, {"training", "培训"}, {"meeting", "会议"}, {"temporary", "临时闭席"}};
  std::string job_number_announcement = "{job}号话务员为您服务";  // 自动报工号; {job}: the agent's job number
  std::string callback_caller_id = "12345";  // the number citizens see when called back
  std::string callback_trunk;                // trunk for callbacks and outbound calls; empty: the dial plan
};

struct Config {
  std::filesystem::path data_dir = "var";
  SipConfig sip;
  RtpConfig rtp;
  std::vector<TrunkConfig> trunks;
  std::vector<DialRule> dialplan = {
      {"12345", "ivr:12345", 0, ""},
      {"9196", "echo", 0, ""},
      {"9197", "keypad-test", 0, ""},
      {"_8XXX", "extension", 0, ""}};
  // name -> patterns a caller of that class may dial. "all" always exists and allows everything.
  std::map<std::string, std::vector<std::string>> classes_of_service = {{"all", {"_."}}};
  CallsConfig calls;
  HttpConfig http;
  WebSocketConfig websocket;
  AuthConfig auth;
  StoreConfig store;
  LogConfig log;
  TicketsConfig tickets;
  RecordingsConfig recordings;
  PromptsConfig prompts;
  IvrConfig ivr;
  AcdConfig acd;

  std::filesystem::path database_path() const { return data_dir / "hotline.db"; }
  std::filesystem::path recordings_path() const;
  std::filesystem::path prompts_path() const;  // prompts.directory: recorded prompts for players and IVR flows
  std::filesystem::path tts_cache_path() const { return data_dir / "tts-cache"; }
  // Ticket attachments, content-addressed: <first two hex digits>/<sha256>.
  std::filesystem::path attachments_path() const { return data_dir / "attachments"; }
  std::filesystem::path log_path() const;
};

// Every problem found, each "key.path: reason", so that one run shows them all.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Parses JSON text (comments allowed) over the defaults. Throws ConfigError.
Config parse_config(const std::string& text, const std::string& source_name);
// Reads a file; a missing file is an error.
Config load_config_file(const std::filesystem::path& path);

}  // namespace hotline
