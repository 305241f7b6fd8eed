// SDP for browser legs: see include/hotline/media/webrtc_sdp.hpp.
#include <charconv>
#include <string>

#include "hotline/media/webrtc_sdp.hpp"

namespace hotline::media {
namespace {

constexpr std::size_t kMaxSdpSize = 64 * 1024;
constexpr int kMaxLines = 2048;
constexpr int kOfferedTelephoneEvent = 101;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    const auto space = value.find(' ');
    if (space != 0) out.push_back(value.substr(0, space));
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
  return out;
}

template <class T>
std::optional<T> number(std::string_view s, T max) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<WebRtcFormat> static_format(int pt) {
  switch (pt) {
    case 0:
      return WebRtcFormat{0, "PCMU", 8000, 1, {}};
    case 8:
      return WebRtcFormat{8, "PCMA", 8000, 1, {}};
    case 9:
      return WebRtcFormat{9, "G722", 8000, 1, {}};
    case 13:
      return WebRtcFormat{13, "CN", 8000, 1, {}};
    default:
      return std::nullopt;
  }
}

std::string_view flow_attribute(Flow flow) {
  switch (flow) {
    case Flow::sendonly:
      return "sendonly";
    case Flow::recvonly:
      return "recvonly";
    case Flow::inactive:
      return "inactive";
    case Flow::sendrecv:
      break;
  }
  return "sendrecv";
}

// ice-ufrag / ice-pwd: 4..256 ice-chars (RFC 8839 5.4).
bool ice_chars(std::string_view s, std::size_t min) {
  if (s.size() < min || s.size() > 256) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// Attributes that may come at session or media level; the media level wins.
struct TransportAttributes {
  std::string ufrag, pwd;
  DtlsFingerprint fingerprint;
  std::optional<DtlsSetup> setup;
};

std::optional<IceCandidate> parse_candidate(std::string_view value) {
  const auto f = split(value);
  if (f.size() < 8 || f[6] != "typ") return std::nullopt;
  IceCandidate c;
  c.foundation = f[0];
  const auto component = number<int>(f[1], 256);
  const auto priority = number<std::uint32_t>(f[3], 0xFFFFFFFFu);
  const auto port = number<std::uint32_t>(f[5], 65535);
  if (!component || !priority || !port) return std::nullopt;
  c.component = *component;
  c.transport = f[2];
  for (char& ch : c.transport) ch = lower(ch);
  c.priority = *priority;
  c.address = f[4];
  c.port = static_cast<std::uint16_t>(*port);
  c.type = f[7];
  return c;
}

std::string connection_line(const std::string& address) {
  return address.find(':') != std::string::npos ? "IN IP6 " + address : "IN IP4 " + address;
}

void add_format_lines(std::string& out, const WebRtcFormat& f) {
  out += "a=rtpmap:" + std::to_string(f.payload_type) + " " + f.encoding + "/" + std::to_string(f.clock_rate) + "\r\n";
  if (iequals(f.encoding, "telephone-event")) {
    out += "a=fmtp:" + std::to_string(f.payload_type) + " " + (f.fmtp.empty() ? "0-16" : f.fmtp) + "\r\n";
  }
}

// The session part and the accepted audio line, shared by offer and answer.
std::string session_head(const WebRtcSdpLocal& l) {
  std::string out = "v=0\r\n";
  out += "o=hotlined " + std::to_string(l.session_id) + " " + std::to_string(l.session_version) + " " +
         connection_line(l.address) + "\r\n";
  out += "s=hotlined\r\nt=0 0\r\n";
  out += "a=ice-lite\r\n";
  return out;
}

std::string audio_line(const WebRtcSdpLocal& l, DtlsSetup setup, const std::string& mid,
                       const std::vector<WebRtcFormat>& formats) {
  const std::string port = std::to_string(l.port);
  std::string out = "m=audio " + port + " UDP/TLS/RTP/SAVPF";
  // Appended piece by piece where GCC 12 at -O3 warns (-Wrestrict, a false
  // positive) on "literal" + std::string temporary.
  for (const auto& f : formats) {
    out += ' ';
    out += std::to_string(f.payload_type);
  }
  out += "\r\n";
  out += "c=" + connection_line(l.address) + "\r\n";
  out += "a=rtcp:" + port + " " + connection_line(l.address) + "\r\n";
  out += "a=ice-ufrag:" + l.local.ice_ufrag + "\r\n";
  out += "a=ice-pwd:" + l.local.ice_pwd + "\r\n";
  out += "a=fingerprint:" + l.local.fingerprint.algorithm + " " + l.local.fingerprint.value + "\r\n";
  out += "a=setup:";
  out += to_string(setup);
  out += "\r\n";
  out += "a=mid:" + mid + "\r\n";
  out += "a=";
  out += flow_attribute(l.flow);
  out += "\r\n";
  out += "a=rtcp-mux\r\n";
  for (const auto& f : formats) add_format_lines(out, f);
  out += "a=ptime:20\r\n";
  out += "a=msid:hotlined hotlined-audio\r\n";
  if (l.local.ssrc != 0) {
    out += "a=ssrc:" + std::to_string(l.local.ssrc) + " cname:" + (l.local.cname.empty() ? "hotlined" : l.local.cname) +
           "\r\n";
  }
  // Host candidate, component 1: type preference 126, local preference 65535 (RFC 8445 5.1.2).
  out += "a=candidate:1 1 udp 2130706431 " + l.address + " " + port + " typ host\r\n";
  out += "a=end-of-candidates\r\n";
  return out;
}

}  // namespace

std::string_view to_string(DtlsSetup setup) {
  switch (setup) {
    case DtlsSetup::active:
      return "active";
    case DtlsSetup::passive:
      return "passive";
    case DtlsSetup::actpass:
      break;
  }
  return "actpass";
}

std::optional<DtlsSetup> parse_dtls_setup(std::string_view text) {
  if (text == "actpass") return DtlsSetup::actpass;
  if (text == "active") return DtlsSetup::active;
  if (text == "passive") return DtlsSetup::passive;
  return std::nullopt;  // holdconn and anything else
}

DtlsSetup answer_setup(DtlsSetup offered) {
  return offered == DtlsSetup::passive ? DtlsSetup::active : DtlsSetup::passive;
}

std::variant<WebRtcDescription, WebRtcSdpError> parse_webrtc_sdp(std::string_view text) {
  if (text.size() > kMaxSdpSize) return WebRtcSdpError{"SDP too large"};
  WebRtcDescription d;
  TransportAttributes session_level;
  TransportAttributes audio_level;
  std::string session_address;
  std::optional<Flow> session_direction;
  bool direction_given = false;
  int current = -1;  // index of the m-line being read
  bool in_audio = false;
  int line_number = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    if (line.empty() && text.empty()) break;
    if (line_number > kMaxLines) return WebRtcSdpError{"too many SDP lines"};
    auto at = [&](const std::string& reason) {
      return WebRtcSdpError{"line " + std::to_string(line_number) + ": " + reason};
    };
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return at("not a type=value line");
    for (unsigned char c : line) {
      if (c < 0x20 && c != '\t') return at("control character");
    }
    const char type = line[0];
    const std::string_view value = line.substr(2);
    if (line_number == 1 && (type != 'v' || value != "0")) return at("an SDP starts with v=0");
    TransportAttributes& level = current < 0 ? session_level : audio_level;
    switch (type) {
      case 'c': {
        const auto f = split(value);
        if (f.size() != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6")) return at("c= must be IN IP4|IP6 address");
        std::string address(f[2].substr(0, f[2].find('/')));
        if (address.empty()) return at("c= has no address");
        if (current < 0) {
          session_address = address;
        } else if (in_audio) {
          d.address = address;
        }
        break;
      }
      case 'm': {
        const auto f = split(value);
        if (f.size() < 3) return at("m= needs media, port and protocol");
        if (d.media_lines.size() >= 64) return at("too many m-lines");
        const auto port = number<std::uint32_t>(f[1].substr(0, f[1].find('/')), 65535);
        if (!port) return at("m= has a bad port");
        SdpMediaLine m;
        m.media = f[0];
        m.port = static_cast<std::uint16_t>(*port);
        m.protocol = f[2];
        for (std::size_t i = 3; i < f.size(); ++i) {
          if (i > 3) m.formats += ' ';
          m.formats += f[i];
        }
        d.media_lines.push_back(std::move(m));
        current = static_cast<int>(d.media_lines.size()) - 1;
        in_audio = f[0] == "audio" && d.audio_line < 0;
        if (!in_audio) break;
        d.audio_line = current;
        d.port = static_cast<std::uint16_t>(*port);
        d.protocol = f[2];
        for (std::size_t i = 3; i < f.size(); ++i) {
          const auto pt = number<int>(f[i], 127);
          if (!pt) return at("m=audio has a bad payload type");
          d.formats.push_back(static_format(*pt).value_or(WebRtcFormat{*pt, "", 8000, 1, {}}));
        }
        break;
      }
      case 'a': {
        const auto colon = value.find(':');
        const std::string_view field = value.substr(0, colon);
        const std::string_view rest = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
        std::optional<Flow> direction;
        if (field == "sendrecv") direction = Flow::sendrecv;
        if (field == "sendonly") direction = Flow::sendonly;
        if (field == "recvonly") direction = Flow::recvonly;
        if (field == "inactive") direction = Flow::inactive;
        if (field == "mid" && current >= 0) d.media_lines[static_cast<std::size_t>(current)].mid = rest;
        if (current >= 0 && !in_audio) break;  // other m-lines: only their mid matters
        if (field == "ice-ufrag") {
          if (!ice_chars(rest, 4)) return at("a=ice-ufrag is not 4-256 ice-chars");
          level.ufrag = rest;
        } else if (field == "ice-pwd") {
          if (!ice_chars(rest, 22)) return at("a=ice-pwd is not 22-256 ice-chars");
          level.pwd = rest;
        } else if (field == "fingerprint") {
          const auto f = split(rest);
          if (f.size() != 2) return at("a=fingerprint needs a hash name and a value");
          level.fingerprint = DtlsFingerprint{std::string(f[0]), std::string(f[1])};
          for (char& c : level.fingerprint.algorithm) c = lower(c);
        } else if (field == "setup") {
          const auto setup = parse_dtls_setup(rest);
          if (!setup) return at("a=setup is not actpass, active or passive");
          level.setup = setup;
        } else if (field == "ice-lite" && current < 0) {
          d.ice_lite = true;
        } else if (field == "group" && current < 0) {
          const auto f = split(rest);
          if (!f.empty() && f[0] == "BUNDLE") d.bundle.assign(f.begin() + 1, f.end());
        } else if (direction) {
          if (current < 0) {
            session_direction = direction;
          } else {
            d.direction = *direction;
            direction_given = true;
          }
        } else if (current < 0) {
          break;
        } else if (field == "mid") {
          d.mid = rest;
        } else if (field == "rtcp-mux") {
          d.rtcp_mux = true;
        } else if (field == "candidate") {
          if (d.candidates.size() < 64) {
            if (auto c = parse_candidate(rest)) d.candidates.push_back(std::move(*c));
          }
        } else if (field == "end-of-candidates") {
          d.end_of_candidates = true;
        } else if (field == "rtpmap" || field == "fmtp") {
          const auto space = rest.find(' ');
          const auto pt = number<int>(rest.substr(0, space), 127);
          if (!pt || space == std::string_view::npos) return at(std::string(field) + " needs a payload type and a value");
          const std::string_view spec = rest.substr(space + 1);
          for (auto& f : d.formats) {
            if (f.payload_type != *pt) continue;
            if (field == "fmtp") {
              f.fmtp = spec;
              continue;
            }
            const auto parts = spec.find('/');
            f.encoding = spec.substr(0, parts);
            if (parts == std::string_view::npos) continue;
            const auto rate_and_channels = spec.substr(parts + 1);
            const auto slash = rate_and_channels.find('/');
            f.clock_rate = number<int>(rate_and_channels.substr(0, slash), 1'000'000).value_or(0);
            f.channels = slash == std::string_view::npos
                             ? 1
                             : number<int>(rate_and_channels.substr(slash + 1), 255).value_or(0);
          }
        }
        break;
      }
      default:
        break;  // o=, s=, t=, b=, ...: nothing a browser leg needs
    }
  }
  if (line_number == 0) return WebRtcSdpError{"empty SDP"};
  if (d.audio_line < 0) return d;
  if (d.address.empty()) d.address = session_address;
  if (!direction_given && session_direction) d.direction = *session_direction;
  auto pick = [](const std::string& media, const std::string& session) { return media.empty() ? session : media; };
  d.remote.ice_ufrag = pick(audio_level.ufrag, session_level.ufrag);
  d.remote.ice_pwd = pick(audio_level.pwd, session_level.pwd);
  d.remote.fingerprint = audio_level.fingerprint.empty() ? session_level.fingerprint : audio_level.fingerprint;
  const auto setup = audio_level.setup ? audio_level.setup : session_level.setup;
  d.setup_given = setup.has_value();
  d.remote.setup = setup.value_or(DtlsSetup::actpass);
  return d;
}

std::optional<LegCodec> choose_webrtc_codec(const WebRtcDescription& d) {
  LegCodec codec;
  codec.payload_type = -1;
  for (const auto& f : d.formats) {
    const bool g711 = (f.payload_type == 0 && iequals(f.encoding, "PCMU")) ||
                      (f.payload_type == 8 && iequals(f.encoding, "PCMA"));
    if (g711 && f.clock_rate == 8000 && f.channels == 1) {
      codec.payload_type = f.payload_type;
      break;
    }
  }
  if (codec.payload_type < 0) return std::nullopt;
  for (const auto& f : d.formats) {
    if (iequals(f.encoding, "telephone-event") && f.clock_rate == 8000) {
      codec.telephone_event_type = f.payload_type;
      break;
    }
  }
  return codec;
}

std::string build_webrtc_offer(const WebRtcSdpLocal& local) {
  std::string out = session_head(local);
  out += "a=group:BUNDLE 0\r\n";
  const std::vector<WebRtcFormat> formats = {
      {0, "PCMU", 8000, 1, {}}, {8, "PCMA", 8000, 1, {}}, {kOfferedTelephoneEvent, "telephone-event", 8000, 1, "0-16"}};
  out += audio_line(local, DtlsSetup::actpass, "0", formats);
  return out;
}

std::string build_webrtc_answer(const WebRtcDescription& offer, const WebRtcSdpLocal& local, LegCodec codec) {
  std::string out = session_head(local);
  const std::string audio_mid = offer.mid.empty() ? "0" : offer.mid;
  bool bundled = false;
  for (const auto& mid : offer.bundle) bundled = bundled || mid == audio_mid;
  if (bundled) out += "a=group:BUNDLE " + audio_mid + "\r\n";
  std::vector<WebRtcFormat> formats;
  for (const auto& f : offer.formats) {
    if (f.payload_type == codec.payload_type) formats.push_back(f);
  }
  if (formats.empty()) {
    formats.push_back(*static_format(codec.payload_type == 8 ? 8 : 0));
  }
  if (codec.telephone_event_type >= 0) {
    WebRtcFormat event{codec.telephone_event_type, "telephone-event", 8000, 1, "0-16"};
    for (const auto& f : offer.formats) {
      if (f.payload_type == codec.telephone_event_type && !f.fmtp.empty()) event.fmtp = f.fmtp;
    }
    formats.push_back(event);
  }
  for (std::size_t i = 0; i < offer.media_lines.size(); ++i) {
    const auto& m = offer.media_lines[i];
    if (static_cast<int>(i) == offer.audio_line) {
      out += audio_line(local, answer_setup(offer.remote.setup), audio_mid, formats);
      continue;
    }
    // Refused (RFC 3264 6): port 0, the offered formats, the same mid.
    out += "m=" + m.media + " 0 " + m.protocol + (m.formats.empty() ? "" : " " + m.formats) + "\r\n";
    out += "c=" + connection_line(local.address) + "\r\n";
    if (!m.mid.empty()) out += "a=mid:" + m.mid + "\r\n";
  }
  return out;
}

}  // namespace hotline::media
