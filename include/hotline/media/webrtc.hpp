#pragma once
// Browser legs (WebRTC): the values their owner exchanges with the media
// engine. A browser leg is an ordinary leg of a Session (bridge, play,
// record, mix, supervise all work on it) whose transport is ICE-lite,
// DTLS-SRTP and rtcp-mux on one UDP port (see docs/webrtc.md). Create it
// with Session::add_webrtc_leg, put WebRtcLocal into our SDP
// (webrtc_sdp.hpp), hand the browser's SDP values in with
// Session::set_webrtc_remote.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::media {

// a=setup (RFC 4145, RFC 5763): who opens the DTLS handshake.
enum class DtlsSetup { actpass, active, passive };
std::string_view to_string(DtlsSetup setup);
std::optional<DtlsSetup> parse_dtls_setup(std::string_view text);

// a=fingerprint: the hash function's SDP name ("sha-256") and the digest as
// upper-case hex pairs joined by colons.
struct DtlsFingerprint {
  std::string algorithm;
  std::string value;
  bool empty() const { return value.empty(); }
  friend bool operator==(const DtlsFingerprint&, const DtlsFingerprint&) = default;
};

// Our side of one browser leg, for our SDP: fresh ICE credentials per leg,
// the engine's certificate fingerprint, the SSRC we send with.
struct WebRtcLocal {
  std::string ice_ufrag;
  std::string ice_pwd;
  DtlsFingerprint fingerprint;
  std::uint32_t ssrc = 0;
  std::string cname;
};

// The browser's side, from its offer or answer.
struct WebRtcRemote {
  std::string ice_ufrag;
  std::string ice_pwd;
  DtlsFingerprint fingerprint;
  // The browser's a=setup. active: we are the DTLS server; passive: we are
  // the client; actpass (its offer): we answer passive and are the server.
  DtlsSetup setup = DtlsSetup::actpass;
};

// Where a browser leg stands. Reported at every change (failures once).
struct WebRtcState {
  bool ice_connected = false;   // a valid binding request came: media goes to selected_*
  bool dtls_connected = false;  // handshake done, fingerprint checked, SRTP keyed: media flows
  bool consent_lost = false;    // no valid binding request for the consent timeout (RFC 7675)
  bool failed = false;          // the leg carries no more media: the owner ends it
  std::string failure;          // why, for the log (no secrets in it)
  std::string selected_address;
  std::uint16_t selected_port = 0;
};
using WebRtcStateHandler = std::function<void(const WebRtcState& state)>;

}  // namespace hotline::media
