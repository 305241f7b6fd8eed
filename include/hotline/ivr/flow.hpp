#pragma once
// IVR flows (PRODUCT A2-A8, issue 5): a flow is a graph of named nodes read
// from ivr-flows/NAME.yaml. This header holds the parsed form and the loader,
// which is also the validator: every problem found in a file is reported
// together, each as "file:line:col: message" (1-based, from yaml-cpp's marks).
// The format is described for admins in docs/ivr-flows.md.
//
// A Flow is immutable once loaded; calls share it through
// shared_ptr<const Flow>, so a reload never changes a flow under a call.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotline::ivr {

struct SourcePos {
  int line = 0;  // 1-based; 0: unknown
  int col = 0;
};

struct Diagnostic {
  std::string file;  // as the caller named it
  SourcePos pos;
  std::string message;
  std::string to_string() const;  // "file:line:col: message"
};

// What one prompt item says, as written in the flow. The interpreter turns it
// into a port PromptItem (variables substituted, language chosen).
enum class SayKind { number, digits, date, time, money, ticket_number };
std::string_view to_string(SayKind kind);
std::optional<SayKind> parse_say_kind(std::string_view text);

struct PromptSpec {
  enum class Kind { speech, file, say };
  Kind kind = Kind::speech;
  std::string key;      // speech: a recorded prompt, <prompts>/KEY.wav (en/KEY.wav), else TTS of the text
  std::string text;     // speech: zh-CN text, ${...} allowed
  std::string text_en;  // speech: optional English variant (lang = en)
  std::string file;     // file: relative to the prompts folder
  SayKind say = SayKind::number;
  std::string value;  // say: "${ticket.number}"
  SourcePos pos;
};
using Prompt = std::vector<PromptSpec>;

// Retries of menus, collects, records and surveys: after `retries` failed
// attempts more (timeout, invalid input, too-short recording) the caller goes
// to `fallback` (or is hung up on with the flow's goodbye when none).
struct RetryRules {
  std::chrono::milliseconds timeout{5000};  // waiting for the first key after the prompt
  int retries = 2;
  Prompt invalid_prompt;  // empty: the flow's globals.invalid_prompt
  Prompt timeout_prompt;  // empty: the flow's globals.timeout_prompt
  std::string fallback;
};

struct PlayNode {
  Prompt prompt;
  bool barge_in = false;
  std::string next;
};

struct MenuNode {
  Prompt prompt;
  std::map<char, std::string> choices;  // digit -> node
  bool barge_in = true;
  RetryRules retry;
};

struct CollectNode {
  Prompt prompt;
  int min_digits = 1;
  int max_digits = 20;
  std::optional<char> terminator = '#';
  std::chrono::milliseconds inter_digit_timeout{5000};
  std::string into;  // variable that receives the digits
  bool barge_in = true;
  std::string next;
  RetryRules retry;
};

struct RecordNode {
  Prompt prompt;  // played before the beep
  bool beep = true;
  int max_seconds = 120;
  int silence_seconds = 5;  // 0: silence does not end it
  int min_seconds = 2;      // shorter (or failed) recordings are retried
  std::string end_digits = "#";
  std::string store_as = "message";  // message | complaint | mailbox: tells the port where it goes
  std::string next;
  RetryRules retry;  // timeout unused; invalid_prompt: "nothing was recorded"
};

struct QueueNode {
  std::string queue;     // ${...} allowed
  std::string priority;  // integer, ${...} allowed
  Prompt announcements;  // played by the ACD while the caller waits
  std::string on_failure;
};

enum class TransferMode { blind, attended };
struct TransferNode {
  Prompt prompt;  // played before the transfer
  std::string number;
  std::string trunk;  // empty: the dial plan chooses
  TransferMode mode = TransferMode::blind;
  std::string on_failure;
};

// All the tests of one `if:` must hold.
struct ConditionTest {
  std::optional<std::string> schedule;  // a schedule of the configuration (ivr.schedules)
  std::vector<std::pair<int, int>> times;  // minutes of the day [from, until), Shanghai time; any of them
  std::optional<std::set<int>> weekdays;   // 0 = Sunday .. 6 = Saturday
  std::optional<bool> holiday;             // tickets.holidays
  std::optional<bool> working_day;         // the tickets calendar
  std::optional<bool> repeat_caller;
  std::optional<std::string> var;
  std::optional<std::string> equals;  // ${...} allowed
  std::optional<std::string> not_equals;
  std::optional<std::vector<std::string>> in;
  std::optional<bool> empty;
};

struct ConditionBranch {
  ConditionTest test;
  std::string target;
  SourcePos pos;
};

struct ConditionNode {
  std::vector<ConditionBranch> branches;
  std::string otherwise;
};

struct SetNode {
  std::vector<std::pair<std::string, std::string>> values;  // name, text with ${...}
  std::string next;
};

struct GotoNode {
  std::string target;
};

// The built-in actions and the results each can end with.
enum class ActionKind { ticket_lookup, create_ticket, kb_playback, survey, survey_answer, missed_call };
std::string_view to_string(ActionKind kind);
std::optional<ActionKind> parse_action_kind(std::string_view text);
const std::vector<std::string>& action_results(ActionKind kind);

struct ActionNode {
  ActionKind action = ActionKind::ticket_lookup;
  std::map<std::string, std::string> args;     // ${...} allowed in values
  std::map<std::string, std::string> results;  // result -> node
  std::string next;                            // for results not listed
  RetryRules retry;                            // surveys: per question
  const std::string& target_of(const std::string& result) const;
};

struct HangupNode {
  Prompt prompt;  // a goodbye before hanging up
};

enum class NodeType { play, menu, collect, record, queue, transfer, condition, set, goto_node, action, hangup };
std::string_view to_string(NodeType type);

struct Node {
  std::string id;
  NodeType type = NodeType::play;
  SourcePos pos;
  std::string description;
  std::variant<PlayNode, MenuNode, CollectNode, RecordNode, QueueNode, TransferNode, ConditionNode, SetNode, GotoNode,
               ActionNode, HangupNode>
      body;

  template <class T>
  const T& as() const {
    return std::get<T>(body);
  }
};

// Flow-level settings (globals:).
struct Globals {
  std::optional<char> back;                // "*": back to the previous menu
  std::optional<char> operator_digit;      // "0": to an agent ...
  std::string operator_target;             // ... i.e. to this node (a queue node)
  Prompt invalid_prompt;                   // default for menus and collects
  Prompt timeout_prompt;
  Prompt goodbye;                          // played when retries run out and there is no fallback
  bool missed_call = false;                // a caller who hangs up before reaching ...
  std::vector<std::string> missed_unless;  // ... any of these nodes leaves a missed-call record
};

struct Flow {
  std::string name;  // the file name without .yaml
  std::string file;  // as named when loaded
  std::string description;
  std::string start;
  Globals globals;
  std::map<std::string, std::string> variables;  // defaults; the configuration's ivr.variables win
  std::vector<Node> nodes;                       // in file order
  std::map<std::string, std::size_t, std::less<>> index;
  std::string source;  // the file's text
  std::string digest;  // hex FNV-1a 64 of the text: tells versions apart

  const Node* find(std::string_view id) const;
  std::size_t index_of(std::string_view id) const;  // npos when absent
};

// What validation checks against besides the file itself.
struct ValidationContext {
  std::filesystem::path prompts_dir;  // `file:` items must exist under it; empty: not checked
  std::set<std::string> schedules;    // names `schedule:` may use
  bool check_schedules = true;
};

struct LoadResult {
  std::shared_ptr<const Flow> flow;  // null when there were errors
  std::vector<Diagnostic> errors;    // sorted by position
};

// Parses and validates. `display_name` is used in messages and as Flow::file;
// `flow_name` is the flow's name (the file stem).
LoadResult parse_flow(std::string_view text, const std::string& display_name, const std::string& flow_name,
                      const ValidationContext& context);
// Reads the file; the display name defaults to the path as given.
LoadResult load_flow_file(const std::filesystem::path& path, const ValidationContext& context,
                          const std::string& display_name = {});

// A flow's name: 1-64 of [A-Za-z0-9_-].
bool valid_flow_name(std::string_view name);

// "${name}" references in a text; false (with the column offset) when a "${"
// is not closed or a name is empty or malformed.
bool check_substitutions(std::string_view text, std::string* problem);

}  // namespace hotline::ivr
