#include "hotline/sip/sdp.hpp"

#include <cctype>
#include <charconv>

#include "text.hpp"

namespace hotline::sip {
namespace {

using text::iequals;

// Space-separated fields of an SDP value.
std::vector<std::string_view> split(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    auto space = value.find(' ');
    if (space != 0) out.push_back(value.substr(0, space));
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
  return out;
}

std::optional<int> number(std::string_view s, int max) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0 || v > max) return std::nullopt;
  return v;
}

// RFC 3551 static payload types that may come without a=rtpmap.
std::optional<Format> static_format(int pt) {
  switch (pt) {
    case 0:
      return Format{0, "PCMU", 8000, {}};
    case 8:
      return Format{8, "PCMA", 8000, {}};
    case 3:
      return Format{3, "GSM", 8000, {}};
    case 9:
      return Format{9, "G722", 8000, {}};
    case 18:
      return Format{18, "G729", 8000, {}};
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv:
      return "sendrecv";
    case Direction::sendonly:
      return "sendonly";
    case Direction::recvonly:
      return "recvonly";
    case Direction::inactive:
      return "inactive";
  }
  return "sendrecv";
}

Direction answer_direction(Direction offered) {
  switch (offered) {
    case Direction::sendonly:
      return Direction::recvonly;
    case Direction::recvonly:
      return Direction::sendonly;
    case Direction::inactive:
      return Direction::inactive;
    case Direction::sendrecv:
      return Direction::sendrecv;
  }
  return Direction::sendrecv;
}

std::variant<SessionDescription, SdpError> parse_sdp(std::string_view text) {
  if (text.size() > 16384) return SdpError{"SDP too large"};
  SessionDescription d;
  std::string session_address;
  Direction session_direction = Direction::sendrecv;
  AudioStream* audio = nullptr;  // the m=audio being read, if any
  bool in_media = false;
  int line_number = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    if (line.empty() && text.empty()) break;
    if (line_number > 512) return SdpError{"too many SDP lines"};
    auto at = [&](std::string reason) { return SdpError{"line " + std::to_string(line_number) + ": " + reason}; };
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return at("not a type=value line");
    for (unsigned char c : line) {
      if (c < 0x20 && c != '\t') return at("control character");
    }
    char type = line[0];
    std::string_view value = line.substr(2);
    if (line_number == 1 && (type != 'v' || value != "0")) return at("an SDP starts with v=0");
    auto fields = split(value);
    switch (type) {
      case 'o':
        if (fields.size() != 6) return at("o= needs 6 fields");
        d.origin_username = fields[0];
        d.session_id = fields[1];
        d.session_version = fields[2];
        d.origin_address = fields[5];
        break;
      case 'c': {
        if (fields.size() != 3 || fields[0] != "IN" || (fields[1] != "IP4" && fields[1] != "IP6")) {
          return at("c= must be IN IP4|IP6 address");
        }
        std::string address(fields[2].substr(0, fields[2].find('/')));
        if (address.empty()) return at("c= has no address");
        if (!in_media)
          session_address = address;
        else if (audio)
          audio->address = address;
        break;
      }
      case 'm': {
        in_media = true;
        audio = nullptr;
        ++d.media_lines;
        if (fields.size() < 4) return at("m= needs media, port, protocol and formats");
        if (fields[0] != "audio" || d.audio) break;
        AudioStream a;
        auto port = number(fields[1].substr(0, fields[1].find('/')), 65535);
        if (!port) return at("m=audio has a bad port");
        a.port = static_cast<std::uint16_t>(*port);
        a.protocol = fields[2];
        a.direction = session_direction;
        for (std::size_t i = 3; i < fields.size(); ++i) {
          auto pt = number(fields[i], 127);
          if (!pt) return at("m=audio has a bad payload type");
          a.formats.push_back(static_format(*pt).value_or(Format{*pt, "", 8000, {}}));
        }
        d.audio = std::move(a);
        audio = &*d.audio;
        break;
      }
      case 'a': {
        auto colon = value.find(':');
        std::string_view field = value.substr(0, colon);
        std::string_view rest = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
        std::optional<Direction> direction;
        if (field == "sendrecv") direction = Direction::sendrecv;
        if (field == "sendonly") direction = Direction::sendonly;
        if (field == "recvonly") direction = Direction::recvonly;
        if (field == "inactive") direction = Direction::inactive;
        if (!in_media) {
          if (direction) session_direction = *direction;
          break;
        }
        if (!audio) break;
        if (direction) audio->direction = *direction;
        if (field == "rtcp-mux") audio->rtcp_mux = true;
        if (field == "ptime") audio->ptime = number(rest, 1000).value_or(20);
        if (field == "rtpmap" || field == "fmtp") {
          auto space = rest.find(' ');
          auto pt = number(rest.substr(0, space), 127);
          if (!pt || space == std::string_view::npos)
            return at(std::string(field) + " needs a payload type and a value");
          std::string_view spec = rest.substr(space + 1);
          for (auto& f : audio->formats) {
            if (f.payload_type != *pt) continue;
            if (field == "fmtp") {
              f.fmtp = spec;
              continue;
            }
            auto slash = spec.find('/');
            f.encoding = spec.substr(0, slash);
            if (slash != std::string_view::npos) {
              auto rate = spec.substr(slash + 1);
              f.clock_rate = number(rate.substr(0, rate.find('/')), 1000000).value_or(8000);
            }
          }
        }
        break;
      }
      default:
        break;  // s=, t=, b=, i=, u=, e=, p=, k=, z=, r=: nothing we need
    }
  }
  if (line_number == 0) return SdpError{"empty SDP"};
  if (d.audio && d.audio->address.empty()) d.audio->address = session_address;
  if (d.audio && d.audio->address.empty()) return SdpError{"no connection address (c=) for the audio stream"};
  return d;
}

std::optional<std::vector<Format>> choose_formats(const AudioStream& offer) {
  std::vector<Format> chosen;
  for (const auto& f : offer.formats) {
    if ((iequals(f.encoding, "PCMU") || iequals(f.encoding, "PCMA")) && f.clock_rate == 8000) {
      chosen.push_back(f);
      break;
    }
  }
  if (chosen.empty()) return std::nullopt;
  for (const auto& f : offer.formats) {
    if (iequals(f.encoding, "telephone-event") && f.clock_rate == 8000) {
      chosen.push_back(f);
      break;
    }
  }
  return chosen;
}

std::string build_sdp(const LocalMedia& m) {
  bool v6 = m.address.find(':') != std::string::npos;
  std::string ip = v6 ? "IP6 " : "IP4 ";
  std::string out = "v=0\r\n";
  out += "o=hotlined " + std::to_string(m.session_id) + " " + std::to_string(m.session_version) + " IN " + ip +
         m.address + "\r\n";
  out += "s=hotlined\r\n";
  out += "c=IN " + ip + m.address + "\r\n";
  out += "t=0 0\r\n";
  out += "m=audio " + std::to_string(m.port) + " RTP/AVP";
  for (const auto& f : m.formats) out += " " + std::to_string(f.payload_type);
  out += "\r\n";
  for (const auto& f : m.formats) {
    out +=
        "a=rtpmap:" + std::to_string(f.payload_type) + " " + f.encoding + "/" + std::to_string(f.clock_rate) + "\r\n";
    if (iequals(f.encoding, "telephone-event")) {
      out += "a=fmtp:" + std::to_string(f.payload_type) + " " + (f.fmtp.empty() ? "0-16" : f.fmtp) + "\r\n";
    }
  }
  out += "a=ptime:20\r\n";
  out += "a=" + std::string(to_string(m.direction)) + "\r\n";
  return out;
}

}  // namespace hotline::sip
